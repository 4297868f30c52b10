#include "server/stats_reader.h"

#include "gtest/gtest.h"
#include "storage/test_util.h"

namespace pulse::server {
namespace {

using storage::FollowEvent;
using storage::kTestStart;  // 22:13:00, a whole minute

using StatsReaderTest = storage::StoreTest;

// Velocity covers the last five minutes, at minute resolution: the minute
// that holds their start counts for the part of it inside them.
TEST_F(StatsReaderTest, VelocityCoversTheLastFiveMinutes) {
  clock_.Set(kTestStart + absl::Minutes(7) + absl::Seconds(30));  // 22:20:30
  const absl::Duration minute = absl::Minutes(1);
  MustWrite(
      Batch({Post("p", "a", {})},
            {Like("p", kTestStart + minute + absl::Seconds(50), "", 100),
             Like("p", kTestStart + 2 * minute + absl::Seconds(10), "",
                  10),  // 22:15:10, half its minute inside
             Like("p", kTestStart + 5 * minute, "", 10),
             Like("p", kTestStart + 7 * minute + absl::Seconds(10), "", 10),
             Like("p", kTestStart + 8 * minute + absl::Seconds(10), "",
                  7)}));  // stamped ahead of now: not yet
  StatsReader reader(store_.get(), &clock_);
  absl::StatusOr<v1::PostStats> stats = reader.PostStats("p");
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_DOUBLE_EQ(stats->velocity_per_minute(), (10.0 / 2 + 10 + 10) / 5);
}

TEST_F(StatsReaderTest, FollowerGrowthCoversTheWindow) {
  clock_.Set(kTestStart + absl::Minutes(17));  // 22:30:00
  const absl::Time yesterday = clock_.Now() - absl::Hours(24);
  MustWrite(
      Batch({}, {},
            {FollowEvent{"", "a", -1, yesterday - absl::Minutes(31)},  // 21:59
             FollowEvent{"", "a", 8, yesterday - absl::Minutes(20)},   // 22:10
             FollowEvent{"", "a", 3, clock_.Now() - absl::Hours(1)}}));
  StatsReader reader(store_.get(), &clock_);
  v1::GetAccountStatsRequest request;
  request.set_account_id("a");
  absl::StatusOr<v1::AccountStats> stats = reader.AccountStats(request);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->followers(), 10);
  // 22:00-23:00 yesterday is half inside the 24 hours: its +8 counts 4.
  EXPECT_EQ(stats->follower_growth(), 3 + 4);
}

// A window shorter than a day is read from minutes, and the bucket at its
// start is spread only over what of it has passed: a window inside the
// current hour counts what came in it, not a share of the hour's.
TEST_F(StatsReaderTest, FollowerGrowthOfAShortWindowCountsWhatCameInIt) {
  clock_.Set(kTestStart + absl::Minutes(17) + absl::Seconds(22));  // 22:30:22
  const absl::Time now = clock_.Now();
  MustWrite(Batch({}, {},
                  {FollowEvent{"", "a", 60, now - absl::Seconds(20)},
                   FollowEvent{"", "b", 60, now - absl::Minutes(25)}}));
  StatsReader reader(store_.get(), &clock_);
  auto growth = [&](const std::string& account, absl::Duration window) {
    v1::GetAccountStatsRequest request;
    request.set_account_id(account);
    request.mutable_growth_window()->set_seconds(absl::ToInt64Seconds(window));
    absl::StatusOr<v1::AccountStats> stats = reader.AccountStats(request);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? stats->follower_growth() : -1;
  };
  EXPECT_EQ(growth("a", absl::Minutes(1)), 60);
  EXPECT_EQ(growth("b", absl::Minutes(1)), 0);
  EXPECT_EQ(growth("b", absl::Minutes(10)), 0);
  EXPECT_EQ(growth("b", absl::Minutes(30)), 60);
  // The current minute (22:30) has passed 22 s; a window starting 11 s into
  // it would count half of what the minute holds.
  MustWrite(Batch({}, {}, {FollowEvent{"", "c", 10, now - absl::Seconds(15)}}));
  EXPECT_EQ(growth("c", absl::Seconds(11)), 5);
}

}  // namespace
}  // namespace pulse::server
