#include "clients/commands.h"

#include <gtest/gtest.h>

#include <sstream>

#include "absl/strings/match.h"
#include "clients/render.h"

namespace pulse {
namespace {

TEST(BuildSeriesRequest, SinceSetsTheStartBeforeNow) {
  SeriesArgs args;
  args.post_id = "p1";
  args.since = absl::Minutes(30);
  absl::Time now = absl::FromUnixSeconds(1714564800);
  absl::StatusOr<v1::QueryTimeSeriesRequest> request =
      BuildSeriesRequest(args, now);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->post_id(), "p1");
  EXPECT_EQ(request->start_time().seconds(), 1714564800 - 1800);
  EXPECT_FALSE(request->has_end_time());
}

TEST(BuildSeriesRequest, ParsesMetricResolutionAndExplicitRange) {
  SeriesArgs args;
  args.global = true;
  args.metric = "likes";
  args.resolution = "second";
  args.start = "2024-05-01T12:00:00Z";
  args.end = "2024-05-01T13:00:00Z";
  absl::StatusOr<v1::QueryTimeSeriesRequest> request =
      BuildSeriesRequest(args, absl::Now());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->global());
  EXPECT_EQ(request->metric(), v1::LIKES);
  EXPECT_EQ(request->resolution(), v1::SECOND);
  EXPECT_EQ(request->start_time().seconds(), 1714564800);
  EXPECT_EQ(request->end_time().seconds(), 1714568400);
}

TEST(BuildSeriesRequest, RejectsTwoEntities) {
  SeriesArgs args;
  args.post_id = "p1";
  args.hashtag = "cats";
  EXPECT_EQ(BuildSeriesRequest(args, absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BuildSeriesRequest, RejectsNoEntity) {
  EXPECT_EQ(BuildSeriesRequest(SeriesArgs(), absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BuildTopPostsRequest, CarriesWindowMetricLimitAndFilters) {
  absl::StatusOr<v1::TopPostsRequest> request =
      BuildTopPostsRequest(absl::Minutes(5), "shares", 3, "a1", "cats");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->window().seconds(), 300);
  EXPECT_EQ(request->metric(), v1::SHARES);
  EXPECT_EQ(request->limit(), 3);
  EXPECT_EQ(request->account_id(), "a1");
  EXPECT_EQ(request->hashtag(), "cats");
}

TEST(BuildTopPostsRequest, RejectsAWindowOrLimitOutOfRange) {
  EXPECT_EQ(BuildTopPostsRequest(absl::ZeroDuration(), "", 10, "", "")
                .status()
                .message(),
            "--window must be positive (e.g. 1h), not 0");
  EXPECT_EQ(
      BuildTopPostsRequest(absl::Hours(1), "", 0, "", "").status().message(),
      "--limit must be 1 to 1000, not 0");
  EXPECT_EQ(BuildTrendingRequest(absl::Hours(1), "", 10, -1).status().message(),
            "--min_count must not be negative, not -1");
}

TEST(BuildTrendingRequest, RejectsAnUnknownMetric) {
  EXPECT_EQ(
      BuildTrendingRequest(absl::Hours(1), "hearts", 10, 0).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(Render, IngestSummaryListsTheFirstRejectedItems) {
  v1::IngestStreamResponse summary;
  summary.set_batches(2);
  summary.set_accepted(1500);
  summary.set_rejected(2);
  for (int i = 0; i < 2; ++i) {
    v1::RejectedItem* item = summary.add_rejected_items();
    item->set_field(absl::StrCat("batch[1].engagements[", i, "].kind"));
    item->set_reason("kind must be set");
  }
  EXPECT_EQ(RenderIngestSummary(summary, 1),
            "batches                   2 (0 duplicate)\n"
            "accepted                  1,500\n"
            "duplicate events          0\n"
            "rejected                  2\n"
            "unknown-post engagements  0\n"
            "first rejected items:\n"
            "FIELD                         REASON\n"
            "batch[1].engagements[0].kind  kind must be set\n");
}

// A batch re-sent whole is a duplicate batch, not duplicate events: the
// rows say which is which.
TEST(Render, IngestSummaryTellsDuplicateBatchesFromDuplicateEvents) {
  v1::IngestStreamResponse summary;
  summary.set_batches(2);
  summary.set_duplicate_batches(2);
  summary.set_duplicates(3);
  const std::string text = RenderIngestSummary(summary, 5);
  EXPECT_TRUE(
      absl::StrContains(text, "batches                   2 (2 duplicate)\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "duplicate events          3\n")) << text;
}

TEST(Render, TrendingShowsGrowthAsPercentages) {
  v1::TrendingHashtagsResponse trending;
  trending.set_metric(v1::LIKES);
  trending.mutable_window()->set_seconds(3600);
  trending.mutable_as_of()->set_seconds(1714564800);
  v1::TrendingHashtag* tag = trending.add_hashtags();
  tag->set_rank(1);
  tag->set_hashtag("cats");
  tag->set_current(3000);
  tag->set_previous(1000);
  tag->set_growth(2.0);
  EXPECT_EQ(RenderTrending(trending),
            "trending hashtags by likes, last 1h vs the one before, as of "
            "2024-05-01T12:00:00Z\n"
            "RANK  HASHTAG  CURRENT  PREVIOUS   GROWTH\n"
            "   1  #cats      3,000     1,000  +200.0%\n");
}

TEST(Render, JsonLineUsesCamelCaseAndPrintsZeros) {
  v1::PostStats stats;
  stats.set_post_id("p1");
  stats.set_likes(42);
  absl::StatusOr<std::string> json = ToJsonLine(stats);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE(absl::StrContains(*json, R"("postId":"p1")")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, R"("likes":"42")")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, R"("shares":"0")")) << *json;
  EXPECT_FALSE(absl::StrContains(*json, "\n"));
}

}  // namespace
}  // namespace pulse
