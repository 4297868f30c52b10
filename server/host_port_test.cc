#include "server/host_port.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace pulse::server {
namespace {

TEST(ParseHostPort, TakesNamesAddressesAndBracketedIpv6) {
  absl::StatusOr<HostPort> v4 = ParseHostPort("127.0.0.1:50051", "--listen");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 50051);
  absl::StatusOr<HostPort> v6 = ParseHostPort("[::1]:0", "--listen");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  absl::StatusOr<HostPort> name = ParseHostPort("localhost:65535", "--listen");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 65535);
}

TEST(ParseHostPort, RefusesWhatGrpcWouldMisread) {
  // gRPC takes a missing port for 443 and wraps 99999 to 34463.
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:-1",
        "127.0.0.1:+80", "127.0.0.1:8o", ":50051", "::1:50051", "[::1:50051",
        "nonsense", ""}) {
    absl::StatusOr<HostPort> parsed = ParseHostPort(bad, "--listen");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_TRUE(absl::StartsWith(parsed.status().message(),
                                 "--listen: expected HOST:PORT"))
        << parsed.status();
    EXPECT_TRUE(absl::StrContains(parsed.status().message(),
                                  absl::StrCat("got '", bad, "'")))
        << parsed.status();
  }
}

}  // namespace
}  // namespace pulse::server
