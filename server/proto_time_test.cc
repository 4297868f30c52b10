#include "server/proto_time.h"

#include "gtest/gtest.h"

namespace pulse::server {
namespace {

TEST(ProtoTime, TimestampsRoundTripAcrossTheirWholeRange) {
  for (int64_t seconds :
       {int64_t{-62135596800},  // 0001-01-01, Timestamp's first second
        int64_t{-1}, int64_t{0}, int64_t{1764000000},
        int64_t{9223372036},       // 2262-04-11, where int64 nanoseconds end
        int64_t{32503680000},      // 3000-01-01
        int64_t{253402300799}}) {  // 9999-12-31T23:59:59, its last
    for (int32_t nanos : {0, 1, 999'999'999}) {
      const absl::Time t =
          absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
      const google::protobuf::Timestamp ts = ToProto(t);
      EXPECT_EQ(ts.seconds(), seconds);
      EXPECT_EQ(ts.nanos(), nanos);
      EXPECT_EQ(FromProto(ts), t);
    }
  }
}

TEST(ProtoTime, DurationsKeepTheirSignInBothFields) {
  const google::protobuf::Duration minus = ToProto(-absl::Milliseconds(1500));
  EXPECT_EQ(minus.seconds(), -1);
  EXPECT_EQ(minus.nanos(), -500'000'000);
  EXPECT_EQ(FromProto(minus), -absl::Milliseconds(1500));
  // Past what int64 nanoseconds hold (292 years).
  const absl::Duration long_ago =
      absl::Hours(24 * 365 * 1000) + absl::Nanoseconds(7);
  const google::protobuf::Duration d = ToProto(long_ago);
  EXPECT_EQ(d.seconds(), int64_t{24} * 365 * 1000 * 3600);
  EXPECT_EQ(d.nanos(), 7);
  EXPECT_EQ(FromProto(d), long_ago);
}

}  // namespace
}  // namespace pulse::server
