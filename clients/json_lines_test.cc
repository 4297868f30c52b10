#include "clients/json_lines.h"

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"

namespace pulse {
namespace {

TEST(JsonLines, BarePostWithPostIdAndAccountIdIsAPost) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"postId":"p1","accountId":"a1","platform":"x","hashtags":["cats","dogs"],"publishedAt":"2024-05-01T12:00:00Z"})",
      1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->posts_size(), 1);
  EXPECT_EQ(request->engagements_size(), 0);
  EXPECT_EQ(request->follows_size(), 0);
  const v1::Post& post = request->posts(0);
  EXPECT_EQ(post.post_id(), "p1");
  EXPECT_EQ(post.account_id(), "a1");
  EXPECT_EQ(post.platform(), "x");
  ASSERT_EQ(post.hashtags_size(), 2);
  EXPECT_EQ(post.hashtags(1), "dogs");
  EXPECT_EQ(post.published_at().seconds(), 1714564800);
}

// A file saved with a byte-order mark starts with one; only there is it
// taken for one.
TEST(JsonLines, TheFirstLineMayStartWithAByteOrderMark) {
  const std::string line =
      "\xEF\xBB\xBF{\"postId\":\"p1\",\"accountId\":\"a1\"}";
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(line, 1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->posts(0).post_id(), "p1");
  EXPECT_EQ(ParseJsonLine(line, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JsonLines, LineWithKindIsAnEngagement) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"eventId":"e1","postId":"p1","kind":"LIKE","count":"3","time":"2024-05-01T12:00:01.5Z","userId":"u9"})",
      1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->engagements_size(), 1);
  EXPECT_EQ(request->posts_size(), 0);
  const v1::Engagement& engagement = request->engagements(0);
  EXPECT_EQ(engagement.event_id(), "e1");
  EXPECT_EQ(engagement.post_id(), "p1");
  EXPECT_EQ(engagement.kind(), v1::LIKE);
  EXPECT_EQ(engagement.count(), 3);
  EXPECT_EQ(engagement.time().seconds(), 1714564801);
  EXPECT_EQ(engagement.time().nanos(), 500000000);
  EXPECT_EQ(engagement.user_id(), "u9");
}

TEST(JsonLines, EngagementWithAccountIdIsStillAnEngagement) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"postId":"p1","kind":"SHARE","userId":"u"})", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->engagements_size(), 1);
}

TEST(JsonLines, Int64ParsesFromANumber) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"postId":"p1","kind":"LIKE","count":-1})", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->engagements(0).count(), -1);
}

TEST(JsonLines, Int64ParsesFromAStringBeyondDoublePrecision) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"postId":"p1","kind":"CLICK","count":"9007199254740993"})", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->engagements(0).count(), 9007199254740993);
}

TEST(JsonLines, ProtoFieldNamesAreAcceptedToo) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"post_id":"p1","account_id":"a1"})", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->posts_size(), 1);
  EXPECT_EQ(request->posts(0).account_id(), "a1");
}

TEST(JsonLines, LineWithDeltaIsAFollowChange) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"eventId":"f1","accountId":"a1","delta":"-2","time":"2024-05-01T00:00:00Z"})",
      1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->follows_size(), 1);
  EXPECT_EQ(request->follows(0).event_id(), "f1");
  EXPECT_EQ(request->follows(0).account_id(), "a1");
  EXPECT_EQ(request->follows(0).delta(), -2);
  EXPECT_EQ(request->follows(0).time().seconds(), 1714521600);
}

TEST(JsonLines, LineWithCollectionsIsAWholeIngestRequest) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"producerId":"crawler","sequence":"7","posts":[{"postId":"p1","accountId":"a1"}],"engagements":[{"postId":"p1","kind":"IMPRESSION"},{"postId":"p1","kind":"LIKE"}],"follows":[{"accountId":"a1","delta":1}]})",
      1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->producer_id(), "crawler");
  EXPECT_EQ(request->sequence(), 7u);
  EXPECT_EQ(request->posts_size(), 1);
  ASSERT_EQ(request->engagements_size(), 2);
  EXPECT_EQ(request->engagements(1).kind(), v1::LIKE);
  ASSERT_EQ(request->follows_size(), 1);
  EXPECT_EQ(request->follows(0).delta(), 1);
}

TEST(JsonLines, WrappedPostIsAPost) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"post":{"postId":"p1","accountId":"a1","hashtags":["x"]}})", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->posts_size(), 1);
  EXPECT_EQ(request->posts(0).post_id(), "p1");
  EXPECT_EQ(request->posts(0).hashtags(0), "x");
}

TEST(JsonLines, WrappedEngagementKeepsExactInt64) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"engagement":{"postId":"p1","kind":"COMMENT","count":"9007199254740993"}})",
      1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->engagements_size(), 1);
  EXPECT_EQ(request->engagements(0).kind(), v1::COMMENT);
  EXPECT_EQ(request->engagements(0).count(), 9007199254740993);
}

TEST(JsonLines, WrappedFollowIsAFollowChange) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"follow":{"accountId":"a1","delta":5}})", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->follows_size(), 1);
  EXPECT_EQ(request->follows(0).delta(), 5);
}

TEST(JsonLines, WrapperWithTwoItemsIsAnError) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine(
      R"({"post":{"postId":"p1","accountId":"a1"},"follow":{"accountId":"a1","delta":1}})",
      4);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(request.status().message(), "line 4: "))
      << request.status();
}

TEST(JsonLines, UnknownFieldIsAnErrorNamingTheLineAndTheField) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"postId":"p1","kind":"LIKE","colour":"red"})", 12);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(request.status().message(), "line 12: "))
      << request.status();
  EXPECT_TRUE(absl::StrContains(request.status().message(), "colour"))
      << request.status();
}

TEST(JsonLines, UnknownFieldInsideAWrapperIsAnError) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"follow":{"accountId":"a1","delta":1,"x":2}})", 3);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(request.status().message(), "line 3: "));
}

TEST(JsonLines, UnknownEnumNameIsAnError) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"postId":"p1","kind":"LOVE"})", 2);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(request.status().message(), "line 2: "));
}

TEST(JsonLines, MalformedJsonIsAnErrorNamingTheLine) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"postId":"p1",)", 9);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(request.status().message(), "line 9: "));
}

TEST(JsonLines, JsonArrayIsAnError) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine("[1,2]", 1);
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonLines, ObjectOfNoKnownShapeIsAnError) {
  absl::StatusOr<v1::IngestRequest> request =
      ParseJsonLine(R"({"postId":"p1"})", 5);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(request.status().message(), "line 5: "));
  EXPECT_TRUE(
      absl::StrContains(request.status().message(), "cannot tell what"));
}

TEST(JsonLines, BlankLineContributesNothing) {
  absl::StatusOr<v1::IngestRequest> request = ParseJsonLine("  \t", 1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->ByteSizeLong(), 0u);
}

}  // namespace
}  // namespace pulse
