// Many sockets at once: 1,000 websockets, each with a subscription, all get
// the update that one ingest causes.
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bridge/bridge_fixture.h"
#include "bridge/ws_test_client.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::bridge::testing {
namespace {

using google::protobuf::Value;

// Established TCP connections to local port `port` (/proc/net/tcp and
// tcp6: the whole network namespace, every process).
int ConnectionsTo(int port) {
  int n = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream tcp(table);
    std::string line;
    std::getline(tcp, line);  // the header
    while (std::getline(tcp, line)) {
      // "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT
      const std::vector<std::string> f =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() < 4 || f[3] != "01") continue;  // 01: ESTABLISHED
      const size_t colon = f[2].find(':');
      int remote_port = 0;
      if (colon != std::string::npos &&
          absl::SimpleHexAtoi(f[2].substr(colon + 1), &remote_port) &&
          remote_port == port) {
        ++n;
      }
    }
  }
  return n;
}

TEST(BridgeFanout, AThousandSocketsEachWithASubscriptionAllReceiveAnUpdate) {
  constexpr int kSockets = 1000;
  constexpr int kGroups = 10;  // distinct subscriptions, so 10 shared streams
  auto stack = StartStack({}, [](BridgeOptions* o) {
    o->max_connections = 2 * kSockets;
    o->handshake_timeout = Scaled(absl::Seconds(5));
  });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  const absl::Time start = absl::Now();
  std::vector<std::shared_ptr<WsConn>> sockets;
  // In waves: the client's connect and handshake timers (websocketpp's, 5 s,
  // fixed) start at Connect, and one io thread works through every socket.
  constexpr int kWave = 100;
  for (int i = 0; i < kSockets; i += kWave) {
    for (int j = i; j < i + kWave; ++j) {
      sockets.push_back(client.Connect(stack->WsUri()));
    }
    for (int j = i; j < i + kWave; ++j) {
      ASSERT_TRUE(sockets[j]->WaitSettled(absl::Seconds(30)));
      ASSERT_EQ(sockets[j]->state(), WsConn::State::kOpen);
    }
  }
  const absl::Duration connect_time = absl::Now() - start;
  for (int i = 0; i < kSockets; ++i) {
    ASSERT_TRUE(sockets[i]->Send(absl::StrCat(
        R"({"jsonrpc":"2.0","id":1,"method":"Subscribe","params":{"postIds":["p)",
        i % kGroups, R"("],"global":true,"minInterval":"0.05s"}})")));
  }
  auto is_update = [](bool snapshot) {
    return [snapshot](const Value& v) {
      return At(v, "method").string_value() == "update" &&
             At(v, "params.update.snapshot").bool_value() == snapshot;
    };
  };
  for (auto& s : sockets) {
    ASSERT_EQ(s->WaitFor(is_update(true), absl::Seconds(30)).kind_case(),
              Value::kStructValue);
  }
  EXPECT_EQ(stack->bridge->Stats().connections, kSockets);
  EXPECT_EQ(stack->bridge->Stats().upstreams, kGroups);
  // The 10 streams are dealt over the bridge's 4 upstream connections (the
  // first also carries unary calls), not all carried by one.
  int server_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(stack->server_port(), &server_port));
  EXPECT_GE(ConnectionsTo(server_port), 4);

  const absl::Time ingest_at = absl::Now();
  v1::IngestRequest batch;
  for (int g = 0; g < kGroups; ++g) {
    *batch.add_engagements() = pulse::testing::MakeEngagement(
        absl::StrCat("fan-", g), absl::StrCat("p", g), v1::LIKE, 1);
  }
  v1::IngestResponse response;
  ASSERT_TRUE(stack->server->stub()
                  ->Ingest(pulse::testing::Context().get(), batch, &response)
                  .ok());
  int received = 0;
  for (auto& s : sockets) {
    if (s->WaitFor(is_update(false), absl::Seconds(30)).kind_case() ==
        Value::kStructValue) {
      ++received;
    }
  }
  const absl::Duration fan_out = absl::Now() - ingest_at;
  EXPECT_EQ(received, kSockets);
  std::printf(
      "[ metrics ] %d sockets: connected in %s, all updated %s after the "
      "ingest\n",
      kSockets, absl::FormatDuration(connect_time).c_str(),
      absl::FormatDuration(fan_out).c_str());
}

}  // namespace
}  // namespace pulse::bridge::testing
