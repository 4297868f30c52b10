#include "clients/watch_command.h"

#include <gtest/gtest.h>

namespace pulse {
namespace {

TEST(BuildSubscribeRequest, CarriesIdsAndStripsTheHashOfHashtags) {
  WatchArgs args;
  args.post_ids = {"p1", "p2"};
  args.account_ids = {"a1"};
  args.hashtags = {"#cats", "dogs"};
  args.global = true;
  absl::StatusOr<v1::SubscribeRequest> request = BuildSubscribeRequest(args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->post_ids_size(), 2);
  EXPECT_EQ(request->account_ids(0), "a1");
  EXPECT_EQ(request->hashtags(0), "cats");
  EXPECT_EQ(request->hashtags(1), "dogs");
  EXPECT_TRUE(request->global());
  EXPECT_FALSE(request->has_top_posts());
  EXPECT_FALSE(request->has_min_interval());
}

TEST(BuildSubscribeRequest, BuildsTheBoardsAndMinInterval) {
  WatchArgs args;
  args.top = true;
  args.top_window = absl::Minutes(5);
  args.top_metric = "likes";
  args.top_limit = 3;
  args.trending = true;
  args.trending_window = absl::Hours(24);
  args.min_interval = absl::Milliseconds(50);
  absl::StatusOr<v1::SubscribeRequest> request = BuildSubscribeRequest(args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->top_posts().window().seconds(), 300);
  EXPECT_EQ(request->top_posts().metric(), v1::LIKES);
  EXPECT_EQ(request->top_posts().limit(), 3);
  EXPECT_EQ(request->trending().window().seconds(), 86400);
  EXPECT_EQ(request->min_interval().nanos(), 50'000'000);
}

TEST(BuildSubscribeRequest, RejectsNothingToWatch) {
  absl::StatusOr<v1::SubscribeRequest> request =
      BuildSubscribeRequest(WatchArgs());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BuildSubscribeRequest, RejectsAnEmptyId) {
  WatchArgs args;
  args.post_ids = {"p1", ""};
  EXPECT_EQ(BuildSubscribeRequest(args).status().message(),
            "--post has an empty item");
}

// Refused before connecting, naming the flag (a usage error, exit 2), where
// the server would refuse them only once called (exit 1), or a zero would
// quietly mean its default.
TEST(BuildSubscribeRequest, RejectsBoardsAndIntervalsOutOfRange) {
  WatchArgs args;
  args.top = true;
  args.top_limit = -1;
  EXPECT_EQ(BuildSubscribeRequest(args).status().message(),
            "--top_limit must be 1 to 1000, not -1");
  args.top_limit = 5000;
  EXPECT_EQ(BuildSubscribeRequest(args).status().message(),
            "--top_limit must be 1 to 1000, not 5000");
  args = WatchArgs();
  args.trending = true;
  args.trending_window = absl::ZeroDuration();
  EXPECT_EQ(BuildSubscribeRequest(args).status().message(),
            "--trending_window must be positive (e.g. 1h), not 0");
  args = WatchArgs();
  args.global = true;
  args.min_interval = absl::Milliseconds(10);
  EXPECT_EQ(BuildSubscribeRequest(args).status().message(),
            "--min_interval must be 50ms to 60s, not 10ms");
}

TEST(BuildSubscribeRequest, RejectsAnUnknownBoardMetric) {
  WatchArgs args;
  args.top = true;
  args.top_metric = "hearts";
  EXPECT_EQ(BuildSubscribeRequest(args).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pulse
