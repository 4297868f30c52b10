#include "server/validation.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace pulse::server {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

v1::Engagement Like(const std::string& event_id, const std::string& post_id) {
  v1::Engagement e;
  e.set_event_id(event_id);
  e.set_post_id(post_id);
  e.set_kind(v1::LIKE);
  return e;
}

TEST(ValidateIngest, TakesValidItemsAndListsRejectedOnesWithTheirIndex) {
  v1::IngestRequest request;
  *request.add_engagements() = Like("e1", "p1");
  *request.add_engagements() = Like("e2", "");
  auto batch = ValidateIngest(request, 100, kNow);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->input.engagements.size(), 1u);
  EXPECT_EQ(batch->input.engagements[0].count, 1);
  EXPECT_EQ(batch->input.engagements[0].time, kNow);
  ASSERT_EQ(batch->rejected.size(), 1u);
  EXPECT_EQ(batch->rejected[0].index(), 1);
  EXPECT_EQ(batch->rejected[0].field(), "engagements[1].post_id");
}

TEST(ValidateIngest, RejectsCountsAndDeltasOverABillion) {
  v1::IngestRequest request;
  for (int64_t count :
       {int64_t{1'000'000'000}, int64_t{-1'000'000'000}, int64_t{1'000'000'001},
        int64_t{-1'000'000'001}, INT64_MAX, INT64_MIN}) {
    v1::Engagement e = Like(absl::StrCat("e", count), "p1");
    e.set_count(count);
    *request.add_engagements() = e;
  }
  v1::FollowChange f;
  f.set_event_id("f1");
  f.set_account_id("a1");
  f.set_delta(INT64_MIN);
  *request.add_follows() = f;
  auto batch = ValidateIngest(request, 100, kNow);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->input.engagements.size(), 2u);
  ASSERT_EQ(batch->rejected.size(), 5u);
  EXPECT_EQ(batch->rejected[0].field(), "engagements[2].count");
  EXPECT_EQ(batch->rejected[4].field(), "follows[0].delta");
  EXPECT_NE(batch->rejected[4].reason().find("1000000000"), std::string::npos)
      << batch->rejected[4].reason();
}

TEST(ValidateIngest, RejectsABatchWhoseEveryItemIsInvalid) {
  v1::IngestRequest request;
  v1::Engagement e = Like("e1", "p1");
  e.set_kind(v1::ENGAGEMENT_KIND_UNSPECIFIED);
  *request.add_engagements() = e;
  auto batch = ValidateIngest(request, 100, kNow);
  ASSERT_EQ(batch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(batch.status().message().find("engagements[0].kind"),
            std::string::npos);
}

TEST(ValidateIngest, RequiresEventIdsWithoutAProducer) {
  v1::IngestRequest request;
  *request.add_engagements() = Like("", "p1");
  EXPECT_EQ(ValidateIngest(request, 100, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_producer_id("crawler");
  request.set_sequence(1);
  EXPECT_TRUE(ValidateIngest(request, 100, kNow).ok());
}

TEST(ValidateIngest, RejectsAProducerWithoutASequence) {
  v1::IngestRequest request;
  request.set_producer_id("crawler");
  *request.add_engagements() = Like("e1", "p1");
  EXPECT_EQ(ValidateIngest(request, 100, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateIngest, RejectsTimesMoreThanFiveMinutesAhead) {
  v1::IngestRequest request;
  *request.add_engagements() = Like("e1", "p1");
  v1::Engagement late = Like("e2", "p1");
  late.mutable_time()->set_seconds(
      absl::ToUnixSeconds(kNow + absl::Minutes(6)));
  *request.add_engagements() = late;
  auto batch = ValidateIngest(request, 100, kNow);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->rejected.size(), 1u);
  EXPECT_EQ(batch->rejected[0].field(), "engagements[1].time");
}

TEST(ValidateIngest, RejectsBatchesOverTheItemLimit) {
  v1::IngestRequest request;
  for (int i = 0; i < 3; ++i) *request.add_engagements() = Like("e", "p");
  EXPECT_EQ(ValidateIngest(request, 2, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateIngest, StripsTheHashSignFromHashtags) {
  v1::IngestRequest request;
  v1::Post* post = request.add_posts();
  post->set_post_id("p1");
  post->set_account_id("a1");
  post->add_hashtags("#news");
  post->add_hashtags("news");
  auto batch = ValidateIngest(request, 100, kNow);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->input.posts[0].hashtags, std::vector<std::string>{"news"});
}

TEST(ValidateTimeSeries, RejectsRangesOverTheBucketLimit) {
  v1::QueryTimeSeriesRequest request;
  request.set_global(true);
  request.set_resolution(v1::SECOND);
  request.mutable_start_time()->set_seconds(
      absl::ToUnixSeconds(kNow - absl::Hours(3)));
  const absl::Status status = ValidateTimeSeries(request, kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("10800 buckets"), std::string::npos)
      << status;
  // end_time is not set: the field to change is start_time.
  EXPECT_EQ(
      status.message().rfind("start_time (end_time, not set, is now): ", 0), 0u)
      << status;
}

// Posts are counted per hashtag, followers only per account and globally.
TEST(ValidateTimeSeries, RejectsMetricsTheEntityDoesNotHave) {
  v1::QueryTimeSeriesRequest request;
  request.mutable_start_time()->set_seconds(
      absl::ToUnixSeconds(kNow - absl::Hours(1)));
  request.set_hashtag("news");
  request.set_metric(v1::POSTS);
  EXPECT_TRUE(ValidateTimeSeries(request, kNow).ok());
  request.set_metric(v1::FOLLOWERS);
  EXPECT_EQ(ValidateTimeSeries(request, kNow),
            absl::InvalidArgumentError("metric: FOLLOWERS is not a hashtag "
                                       "metric (accounts have followers)"));
  request.set_post_id("p1");
  EXPECT_EQ(
      ValidateTimeSeries(request, kNow),
      absl::InvalidArgumentError("metric: FOLLOWERS is not a per-post metric"));
  request.set_account_id("a1");
  EXPECT_TRUE(ValidateTimeSeries(request, kNow).ok());
}

TEST(ValidateTimeSeries, RejectsAnEndBeforeTheStart) {
  v1::QueryTimeSeriesRequest request;
  request.set_post_id("p1");
  request.mutable_start_time()->set_seconds(absl::ToUnixSeconds(kNow));
  request.mutable_end_time()->set_seconds(absl::ToUnixSeconds(kNow) - 60);
  EXPECT_EQ(ValidateTimeSeries(request, kNow),
            absl::InvalidArgumentError("end_time: must be after start_time"));
}

// Without end_time the series ends now: a start in the future is the
// start's fault, and the message names the field the caller set.
TEST(ValidateTimeSeries, RejectsAStartAfterNowWithoutAnEnd) {
  v1::QueryTimeSeriesRequest request;
  request.set_post_id("p1");
  request.mutable_start_time()->set_seconds(absl::ToUnixSeconds(kNow) + 60);
  EXPECT_EQ(ValidateTimeSeries(request, kNow),
            absl::InvalidArgumentError(
                "start_time: must be before now (end_time, not set, is now)"));
}

// An end_time past what a Timestamp holds once made the bucket count
// overflow, pass the limit, and the series loop without end.
TEST(ValidateTimeSeries, RejectsTimestampsOutsideTheirRange) {
  struct Case {
    int64_t seconds;
    int32_t nanos;
    const char* error;
  };
  for (const Case& c : {Case{INT64_MAX, 1'000'000'000, "end_time: nanos"},
                        Case{INT64_MAX, 0, "end_time: must not be after"},
                        Case{253402300800, 0, "end_time: must not be after"},
                        Case{1'800'000'000, -1, "end_time: nanos"}}) {
    v1::QueryTimeSeriesRequest request;
    request.set_global(true);
    request.set_resolution(v1::DAY);
    request.mutable_start_time()->set_seconds(absl::ToUnixSeconds(kNow));
    request.mutable_end_time()->set_seconds(c.seconds);
    request.mutable_end_time()->set_nanos(c.nanos);
    const absl::Status status = ValidateTimeSeries(request, kNow);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.seconds;
    EXPECT_NE(status.message().find(c.error), std::string::npos) << status;
  }
  v1::QueryTimeSeriesRequest request;
  request.set_global(true);
  request.set_resolution(v1::DAY);
  request.mutable_start_time()->set_seconds(absl::ToUnixSeconds(kNow));
  request.mutable_start_time()->set_nanos(1'000'000'000);
  const absl::Status status = ValidateTimeSeries(request, kNow);
  EXPECT_NE(status.message().find("start_time: nanos"), std::string::npos)
      << status;
}

TEST(ValidateTopPosts, AcceptsOnlyConfiguredWindows) {
  const std::vector<absl::Duration> windows = {absl::Minutes(5),
                                               absl::Hours(1)};
  v1::TopPostsRequest request;
  EXPECT_TRUE(ValidateTopPosts(request, windows).ok());  // default 1h
  request.mutable_window()->set_seconds(7 * 60);
  const absl::Status status = ValidateTopPosts(request, windows);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("window"), std::string::npos);
}

// The hashtag is measured without its '#', as it is stored.
TEST(ValidateTopPosts, MeasuresTheHashtagWithoutItsHash) {
  v1::TopPostsRequest request;
  request.set_hashtag("#" + std::string(256, 'a'));
  EXPECT_TRUE(ValidateTopPosts(request, {absl::Hours(1)}).ok());
  request.set_hashtag(std::string(257, 'a'));
  EXPECT_EQ(ValidateTopPosts(request, {absl::Hours(1)}),
            absl::InvalidArgumentError("hashtag: at most 256 bytes"));
  request.set_hashtag("#");
  EXPECT_EQ(ValidateTopPosts(request, {absl::Hours(1)}, "top_posts."),
            absl::InvalidArgumentError("top_posts.hashtag: is only '#'"));
}

TEST(ValidateTopPosts, RejectsAccountOnlyMetrics) {
  v1::TopPostsRequest request;
  request.set_metric(v1::FOLLOWERS);
  EXPECT_EQ(ValidateTopPosts(request, {absl::Hours(1)}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pulse::server
