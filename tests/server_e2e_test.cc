// End-to-end tests: a real pulse-server process on a loopback port with a
// temporary data dir, driven through the generated gRPC stub.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"
#include "tests/time_scale.h"

namespace pulse::testing {
namespace {

using v1::IngestRequest;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Restart(); }

  void Restart(const std::vector<std::string>& flags = {}) {
    server_.reset();
    auto server = ServerProcess::Start(dir_.path() + "/data", flags);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->stub();
  }

  v1::IngestResponse Ingest(const IngestRequest& request) {
    v1::IngestResponse response;
    grpc::Status status = stub_->Ingest(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status IngestStatus(const IngestRequest& request) {
    v1::IngestResponse response;
    return stub_->Ingest(Context().get(), request, &response);
  }

  v1::PostStats Post(const std::string& id) {
    v1::GetPostStatsRequest request;
    request.set_post_id(id);
    v1::PostStats stats;
    grpc::Status status = stub_->GetPostStats(Context().get(), request, &stats);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return stats;
  }

  v1::GlobalStats Global() {
    v1::GlobalStats stats;
    grpc::Status status = stub_->GetGlobalStats(
        Context().get(), v1::GetGlobalStatsRequest(), &stats);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return stats;
  }

  v1::TopPostsResponse Top(v1::TopPostsRequest request) {
    v1::TopPostsResponse response;
    grpc::Status status = stub_->TopPosts(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static std::vector<std::string> Ids(const v1::TopPostsResponse& top) {
    std::vector<std::string> ids;
    for (const auto& p : top.posts()) ids.push_back(p.post_id());
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
};

TEST_F(ServerTest, IngestAnswersWithExactCounts) {
  const v1::IngestResponse response = Ingest(SampleBatch());
  EXPECT_FALSE(response.duplicate_batch());
  EXPECT_EQ(response.accepted(), 3 + 11 + 3);
  EXPECT_EQ(response.duplicates(), 0);
  EXPECT_EQ(response.rejected(), 0);
  EXPECT_EQ(response.unknown_post_engagements(), 0);
}

TEST_F(ServerTest, PostStatsAreExact) {
  Ingest(SampleBatch());
  const v1::PostStats p1 = Post("p1");
  EXPECT_TRUE(p1.known());
  EXPECT_EQ(p1.account_id(), "a1");
  EXPECT_EQ(p1.impressions(), 100);
  EXPECT_EQ(p1.likes(), 3);
  EXPECT_EQ(p1.shares(), 1);
  EXPECT_EQ(p1.comments(), 2);
  EXPECT_EQ(p1.clicks(), 0);
  EXPECT_EQ(p1.engagements(), 6);
  EXPECT_DOUBLE_EQ(p1.engagement_rate(), 0.06);
  EXPECT_EQ(p1.unique_users(), 4);
  EXPECT_DOUBLE_EQ(p1.velocity_per_minute(), 6.0 / 5);

  v1::BatchGetPostStatsRequest batch;
  batch.add_post_ids("p3");
  batch.add_post_ids("nope");
  batch.add_post_ids("p2");
  v1::BatchGetPostStatsResponse many;
  ASSERT_TRUE(stub_->BatchGetPostStats(Context().get(), batch, &many).ok());
  ASSERT_EQ(many.posts_size(), 3);
  EXPECT_EQ(many.posts(0).post_id(), "p3");
  EXPECT_EQ(many.posts(0).clicks(), 4);
  EXPECT_DOUBLE_EQ(many.posts(0).engagement_rate(), 0.6);
  EXPECT_FALSE(many.posts(1).known());
  EXPECT_EQ(many.posts(2).likes(), 1);
}

TEST_F(ServerTest, AccountHashtagAndGlobalStatsAreExact) {
  Ingest(SampleBatch());
  v1::GetAccountStatsRequest request;
  request.set_account_id("a1");
  v1::AccountStats a1;
  ASSERT_TRUE(stub_->GetAccountStats(Context().get(), request, &a1).ok());
  EXPECT_EQ(a1.posts(), 2);
  EXPECT_EQ(a1.impressions(), 150);
  EXPECT_EQ(a1.likes(), 4);
  EXPECT_EQ(a1.engagements(), 7);
  EXPECT_EQ(a1.followers(), 7);
  EXPECT_EQ(a1.follower_growth(), 7);
  EXPECT_EQ(a1.unique_users(), 5);
  EXPECT_EQ(a1.growth_window().seconds(), 24 * 3600);

  v1::GetHashtagStatsRequest tag;
  tag.set_hashtag("news");
  v1::HashtagStats news;
  ASSERT_TRUE(stub_->GetHashtagStats(Context().get(), tag, &news).ok());
  EXPECT_EQ(news.posts(), 2);
  EXPECT_EQ(news.impressions(), 150);
  EXPECT_EQ(news.engagements(), 7);

  const v1::GlobalStats global = Global();
  EXPECT_EQ(global.impressions(), 160);
  EXPECT_EQ(global.likes(), 6);
  EXPECT_EQ(global.shares(), 1);
  EXPECT_EQ(global.comments(), 2);
  EXPECT_EQ(global.clicks(), 4);
  EXPECT_EQ(global.engagements(), 13);
  EXPECT_EQ(global.posts(), 3);
  EXPECT_EQ(global.followers(), 12);
  EXPECT_DOUBLE_EQ(global.engagement_rate(), 13.0 / 160);
}

TEST_F(ServerTest, TimeSeriesHoldsEveryBucketAndSumsExactly) {
  Ingest(SampleBatch());
  v1::QueryTimeSeriesRequest request;
  request.set_global(true);
  request.set_metric(v1::LIKES);
  request.set_resolution(v1::MINUTE);
  const int64_t now = time(nullptr);
  request.mutable_start_time()->set_seconds(now - 600);
  request.mutable_end_time()->set_seconds(now + 120);
  v1::QueryTimeSeriesResponse series;
  ASSERT_TRUE(stub_->QueryTimeSeries(Context().get(), request, &series).ok());
  int64_t sum = 0;
  for (const v1::Point& p : series.points()) sum += p.value();
  EXPECT_EQ(sum, 6);
  EXPECT_GE(series.points_size(), 12);
  EXPECT_LE(series.points_size(), 13);
  for (int i = 1; i < series.points_size(); ++i) {
    EXPECT_EQ(series.points(i).time().seconds() -
                  series.points(i - 1).time().seconds(),
              60);
  }

  request.set_post_id("p3");
  request.set_metric(v1::CLICKS);
  ASSERT_TRUE(stub_->QueryTimeSeries(Context().get(), request, &series).ok());
  sum = 0;
  for (const v1::Point& p : series.points()) sum += p.value();
  EXPECT_EQ(sum, 4);
}

TEST_F(ServerTest, TopPostsRankByMetricWithinAccountAndHashtag) {
  Ingest(SampleBatch());
  v1::TopPostsRequest request;
  // Engagements: p1 6, p3 6 (ties break by id), p2 1.
  EXPECT_EQ(Ids(Top(request)), (std::vector<std::string>{"p1", "p3", "p2"}));
  const v1::TopPostsResponse top = Top(request);
  EXPECT_EQ(top.posts(0).value(), 6);
  EXPECT_EQ(top.posts(0).account_id(), "a1");
  EXPECT_EQ(top.posts(0).likes(), 3);
  EXPECT_EQ(top.posts(2).rank(), 3);

  request.set_metric(v1::IMPRESSIONS);
  request.mutable_window()->set_seconds(300);
  EXPECT_EQ(Ids(Top(request)), (std::vector<std::string>{"p1", "p2", "p3"}));
  request.set_limit(1);
  EXPECT_EQ(Ids(Top(request)), (std::vector<std::string>{"p1"}));
  request.set_limit(0);
  request.set_account_id("a2");
  EXPECT_EQ(Ids(Top(request)), (std::vector<std::string>{"p3"}));
  request.clear_account_id();
  request.set_hashtag("news");
  EXPECT_EQ(Ids(Top(request)), (std::vector<std::string>{"p1", "p2"}));
}

// Ingest stores a hashtag without its leading '#', and every read takes
// "#news" for "news" (a client that sent "#news" asks for it so); '#' alone
// names no hashtag.
TEST_F(ServerTest, AHashtagAskedForWithItsHashIsTheHashtag) {
  Ingest(SampleBatch());
  v1::GetHashtagStatsRequest tag;
  tag.set_hashtag("#news");
  v1::HashtagStats news;
  grpc::Status status = stub_->GetHashtagStats(Context().get(), tag, &news);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(news.posts(), 2);
  EXPECT_EQ(news.impressions(), 150);

  v1::QueryTimeSeriesRequest series;
  series.set_metric(v1::IMPRESSIONS);
  series.set_resolution(v1::MINUTE);
  const int64_t now = time(nullptr);
  series.mutable_start_time()->set_seconds(now - 600);
  series.mutable_end_time()->set_seconds(now + 120);
  int64_t sums[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    series.set_hashtag(i == 0 ? "news" : "#news");
    v1::QueryTimeSeriesResponse points;
    status = stub_->QueryTimeSeries(Context().get(), series, &points);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::Point& p : points.points()) sums[i] += p.value();
  }
  EXPECT_EQ(sums[0], 150);
  EXPECT_EQ(sums[1], 150);

  v1::TopPostsRequest top;
  top.set_hashtag("#news");
  EXPECT_EQ(Ids(Top(top)), (std::vector<std::string>{"p1", "p2"}));

  tag.set_hashtag("#");
  status = stub_->GetHashtagStats(Context().get(), tag, &news);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "hashtag: must not be empty");
  top.set_hashtag("#");
  v1::TopPostsResponse none;
  status = stub_->TopPosts(Context().get(), top, &none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "hashtag: is only '#'");
}

TEST_F(ServerTest, TrendingRanksHashtagsByGrowth) {
  Ingest(SampleBatch());
  v1::TrendingHashtagsResponse trending;
  ASSERT_TRUE(stub_
                  ->TrendingHashtags(Context().get(),
                                     v1::TrendingHashtagsRequest(), &trending)
                  .ok());
  ASSERT_EQ(trending.hashtags_size(), 3);
  EXPECT_EQ(trending.hashtags(0).hashtag(), "news");
  EXPECT_EQ(trending.hashtags(0).current(), 7);
  EXPECT_EQ(trending.hashtags(0).previous(), 0);
  EXPECT_DOUBLE_EQ(trending.hashtags(0).growth(), 7);
  EXPECT_EQ(trending.hashtags(1).hashtag(), "sports");
  EXPECT_EQ(trending.hashtags(2).hashtag(), "tech");
}

TEST_F(ServerTest, AResentEventCountsOnce) {
  Ingest(SampleBatch());
  const v1::IngestResponse again = Ingest(SampleBatch());
  EXPECT_EQ(again.duplicates(), 11 + 3);
  EXPECT_EQ(Post("p1").likes(), 3);
  EXPECT_EQ(Global().followers(), 12);
  EXPECT_EQ(Global().posts(), 3);
}

TEST_F(ServerTest, AResentProducerBatchCountsOnce) {
  IngestRequest batch;
  batch.set_producer_id("crawler-1");
  batch.set_sequence(7);
  *batch.add_engagements() = MakeEngagement("", "p9", v1::LIKE, 5);
  EXPECT_FALSE(Ingest(batch).duplicate_batch());
  EXPECT_TRUE(Ingest(batch).duplicate_batch());
  batch.set_sequence(8);
  EXPECT_FALSE(Ingest(batch).duplicate_batch());
  EXPECT_EQ(Post("p9").likes(), 10);
}

// Unary calls of one producer sent at once may be stored in any order; each
// batch still counts once, and a re-send of any of them is a duplicate.
// The calls go in rounds of kThreads at once, as a producer with kThreads in
// flight sends them: threads left to run free could drift more than the 64
// sequences the server tells apart (README, Exactly once), and a batch that
// far behind is taken for a re-send.
TEST_F(ServerTest, ConcurrentBatchesOfOneProducerEachCountOnce) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  auto send_all = [this](bool expect_duplicate) {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([this, t, round, expect_duplicate] {
          IngestRequest batch;
          batch.set_producer_id("parallel");
          batch.set_sequence(1 + t + kThreads * round);
          *batch.add_engagements() = MakeEngagement("", "p9", v1::LIKE, 1);
          EXPECT_EQ(Ingest(batch).duplicate_batch(), expect_duplicate)
              << batch.sequence();
        });
      }
      for (std::thread& t : threads) t.join();
    }
  };
  send_all(/*expect_duplicate=*/false);
  EXPECT_EQ(Post("p9").likes(), kThreads * kRounds);
  send_all(/*expect_duplicate=*/true);
  EXPECT_EQ(Post("p9").likes(), kThreads * kRounds);
}

TEST_F(ServerTest, UnknownPostsCountAndAreReported) {
  IngestRequest batch;
  *batch.add_engagements() = MakeEngagement("g1", "ghost", v1::LIKE, 1);
  const v1::IngestResponse response = Ingest(batch);
  EXPECT_EQ(response.unknown_post_engagements(), 1);
  ASSERT_EQ(response.unknown_post_indices_size(), 1);
  EXPECT_EQ(response.unknown_post_indices(0), 0);
  EXPECT_FALSE(Post("ghost").known());
  EXPECT_EQ(Post("ghost").likes(), 1);

  IngestRequest later;
  *later.add_posts() = MakePost("ghost", "a7", {});
  *later.add_engagements() = MakeEngagement("g2", "ghost", v1::LIKE, 1);
  EXPECT_EQ(Ingest(later).unknown_post_engagements(), 0);
  v1::GetAccountStatsRequest request;
  request.set_account_id("a7");
  v1::AccountStats a7;
  ASSERT_TRUE(stub_->GetAccountStats(Context().get(), request, &a7).ok());
  EXPECT_EQ(a7.likes(), 1);  // only the engagement after the post was known
}

TEST_F(ServerTest, NegativeCountsUndo) {
  IngestRequest batch;
  *batch.add_engagements() = MakeEngagement("l1", "p1", v1::LIKE, 1);
  *batch.add_engagements() = MakeEngagement("l2", "p1", v1::LIKE, 1);
  *batch.add_engagements() = MakeEngagement("u1", "p1", v1::LIKE, -1);
  Ingest(batch);
  EXPECT_EQ(Post("p1").likes(), 1);
}

TEST_F(ServerTest, InvalidItemsAreListedAndValidOnesTaken) {
  IngestRequest batch;
  *batch.add_engagements() = MakeEngagement("ok", "p1", v1::LIKE, 1);
  *batch.add_engagements() = MakeEngagement("bad1", "", v1::LIKE, 1);
  *batch.add_engagements() =
      MakeEngagement("bad2", "p1", static_cast<v1::EngagementKind>(99), 1);
  *batch.add_engagements() = MakeEngagement("", "p1", v1::LIKE, 1);
  v1::Engagement future = MakeEngagement("bad4", "p1", v1::LIKE, 1);
  future.mutable_time()->set_seconds(time(nullptr) + 3600);
  *batch.add_engagements() = future;
  const v1::IngestResponse response = Ingest(batch);
  EXPECT_EQ(response.accepted(), 1);
  EXPECT_EQ(response.rejected(), 4);
  ASSERT_EQ(response.rejected_items_size(), 4);
  EXPECT_EQ(response.rejected_items(0).field(), "engagements[1].post_id");
  EXPECT_EQ(response.rejected_items(1).field(), "engagements[2].kind");
  EXPECT_EQ(response.rejected_items(2).field(), "engagements[3].event_id");
  EXPECT_EQ(response.rejected_items(3).field(), "engagements[4].time");
  EXPECT_EQ(response.rejected_items(3).index(), 4);
  EXPECT_EQ(Post("p1").likes(), 1);
}

TEST_F(ServerTest, BadInputsGetInvalidArgumentAndLeaveDataIntact) {
  Ingest(SampleBatch());
  IngestRequest all_bad;
  *all_bad.add_engagements() = MakeEngagement("x", "", v1::LIKE, 1);
  grpc::Status status = IngestStatus(all_bad);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("engagements[0].post_id"),
            std::string::npos)
      << status.error_message();

  IngestRequest no_sequence;
  no_sequence.set_producer_id("p");
  *no_sequence.add_engagements() = MakeEngagement("", "p1", v1::LIKE, 1);
  status = IngestStatus(no_sequence);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("sequence"), std::string::npos);

  v1::TopPostsRequest top;
  top.mutable_window()->set_seconds(420);
  v1::TopPostsResponse top_response;
  status = stub_->TopPosts(Context().get(), top, &top_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("window"), std::string::npos);

  v1::QueryTimeSeriesRequest series;
  series.set_global(true);
  series.set_resolution(static_cast<v1::Resolution>(42));
  series.mutable_start_time()->set_seconds(time(nullptr) - 60);
  v1::QueryTimeSeriesResponse series_response;
  status = stub_->QueryTimeSeries(Context().get(), series, &series_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("resolution"), std::string::npos);

  series.set_resolution(v1::MINUTE);
  series.mutable_end_time()->set_seconds(time(nullptr) - 3600);
  status = stub_->QueryTimeSeries(Context().get(), series, &series_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("end_time"), std::string::npos);

  v1::GetPostStatsRequest empty;
  v1::PostStats stats;
  status = stub_->GetPostStats(Context().get(), empty, &stats);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("post_id"), std::string::npos);

  v1::GetPostStatsRequest missing;
  missing.set_post_id("never-seen");
  status = stub_->GetPostStats(Context().get(), missing, &stats);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  EXPECT_EQ(Global().engagements(), 13);
  EXPECT_EQ(Post("p1").likes(), 3);
}

TEST_F(ServerTest, BatchesOverTheItemLimitAreRejectedWhole) {
  Restart({"--max_batch_items=5"});
  IngestRequest batch;
  for (int i = 0; i < 6; ++i) {
    *batch.add_engagements() =
        MakeEngagement("b" + std::to_string(i), "p1", v1::LIKE, 1);
  }
  const grpc::Status status = IngestStatus(batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("max_batch_items"), std::string::npos);
  EXPECT_EQ(Global().likes(), 0);
}

TEST_F(ServerTest, IngestStreamStoresEveryBatchAndSummarises) {
  v1::IngestStreamResponse summary;
  auto ctx = Context();
  auto writer = stub_->IngestStream(ctx.get(), &summary);
  for (int b = 1; b <= 10; ++b) {
    IngestRequest batch;
    batch.set_producer_id("stream");
    batch.set_sequence(b);
    for (int i = 0; i < 100; ++i) {
      *batch.add_engagements() =
          MakeEngagement("", "p" + std::to_string(i % 4), v1::IMPRESSION, 1);
    }
    ASSERT_TRUE(writer->Write(batch));
  }
  IngestRequest resent;
  resent.set_producer_id("stream");
  resent.set_sequence(10);
  *resent.add_engagements() = MakeEngagement("", "p0", v1::IMPRESSION, 1);
  ASSERT_TRUE(writer->Write(resent));
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.batches(), 11);
  EXPECT_EQ(summary.duplicate_batches(), 1);
  EXPECT_EQ(summary.accepted(), 1000);
  EXPECT_EQ(summary.unknown_post_engagements(), 1000);
  EXPECT_EQ(Global().impressions(), 1000);
  EXPECT_EQ(Post("p0").impressions(), 250);
}

// The server stores a stream's next batch while it records the last one in
// the boards; the summary still comes only after every batch is recorded,
// so a client that has it finds its batches on the boards.
TEST_F(ServerTest, IngestStreamSummaryComesAfterItsBatchesReachTheBoards) {
  for (int round = 1; round <= 5; ++round) {
    const std::string fresh = absl::StrCat("fresh", round);
    v1::IngestStreamResponse summary;
    auto ctx = Context();
    auto writer = stub_->IngestStream(ctx.get(), &summary);
    for (int b = 0; b < 4; ++b) {
      IngestRequest batch;
      batch.set_producer_id(absl::StrCat("boards-", round));
      batch.set_sequence(b + 1);
      // As many posts as a batch holds make recording it take a while.
      for (int i = 0; i < 9'999; ++i) {
        *batch.add_engagements() = MakeEngagement(
            "", absl::StrCat("r", round, "-", b, "-", i), v1::LIKE, 1);
      }
      if (b == 3) {
        *batch.add_engagements() =
            MakeEngagement("", fresh, v1::LIKE, round * 1'000'000);
      }
      ASSERT_TRUE(writer->Write(batch));
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(summary.batches(), 4);
    v1::TopPostsRequest request;
    request.set_metric(v1::LIKES);
    request.set_limit(1);
    const v1::TopPostsResponse top = Top(request);
    ASSERT_EQ(top.posts_size(), 1);
    EXPECT_EQ(top.posts(0).post_id(), fresh) << "round " << round;
  }
}

TEST_F(ServerTest, AcknowledgedDataSurvivesKill9) {
  int64_t acknowledged = 0;
  for (int b = 1; b <= 20; ++b) {
    IngestRequest batch;
    batch.set_producer_id("crash");
    batch.set_sequence(b);
    for (int i = 0; i < 50; ++i) {
      *batch.add_engagements() =
          MakeEngagement("", "p" + std::to_string(b % 5), v1::LIKE, 1,
                         "u" + std::to_string(i));
    }
    if (Ingest(batch).accepted() == 50) acknowledged += 50;
  }
  ASSERT_EQ(acknowledged, 1000);
  server_->Kill9();
  Restart();
  EXPECT_EQ(Global().likes(), 1000);
  for (int p = 0; p < 5; ++p)
    EXPECT_EQ(Post("p" + std::to_string(p)).likes(), 200);

  // The producer's sequence survived too: a batch re-sent after the crash
  // is recognised.
  IngestRequest resent;
  resent.set_producer_id("crash");
  resent.set_sequence(20);
  *resent.add_engagements() = MakeEngagement("", "p0", v1::LIKE, 1);
  EXPECT_TRUE(Ingest(resent).duplicate_batch());
  EXPECT_EQ(Global().likes(), 1000);
}

TEST_F(ServerTest, BoardsAreRebuiltAfterARestart) {
  Ingest(SampleBatch());
  ASSERT_EQ(server_->Terminate(), 0);
  Restart();
  EXPECT_EQ(Ids(Top(v1::TopPostsRequest())),
            (std::vector<std::string>{"p1", "p3", "p2"}));
  EXPECT_EQ(Top(v1::TopPostsRequest()).posts(0).account_id(), "a1");
}

// With --boards_rebuild_wait=0 the server serves while the boards are still
// rebuilt: ingest goes on, the boards answer UNAVAILABLE (saying why) until
// they are ready, and then they count what was stored before the restart
// and what came during the rebuild, each once.
TEST_F(ServerTest, BoardsRebuiltInTheBackgroundCountIngestDuringItOnce) {
  Ingest(SampleBatch());
  ASSERT_EQ(server_->Terminate(), 0);
  Restart({"--boards_rebuild_wait=0"});
  IngestRequest more;
  more.set_producer_id("after-restart");
  more.set_sequence(1);
  for (int i = 0; i < 500; ++i)
    *more.add_engagements() = MakeEngagement("", "p2", v1::LIKE, 1);
  EXPECT_EQ(Ingest(more).accepted(), 500);

  v1::TopPostsRequest request;
  request.set_metric(v1::LIKES);
  v1::TopPostsResponse top;
  const absl::Time deadline = absl::Now() + Scaled(absl::Seconds(30));
  grpc::Status status;
  while (true) {
    status = stub_->TopPosts(Context().get(), request, &top);
    if (status.ok() || absl::Now() > deadline) break;
    ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), "being rebuilt"))
        << status.error_message();
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Ids(top), (std::vector<std::string>{"p2", "p1", "p3"}));
  std::vector<int64_t> values;
  for (const auto& p : top.posts()) values.push_back(p.value());
  EXPECT_EQ(values, (std::vector<int64_t>{501, 3, 2}));
}

TEST_F(ServerTest, SigtermShutsDownCleanly) {
  Restart({"--log_level=info"});
  EXPECT_EQ(server_->Terminate(), 0);
  // Start-up and shutdown say how long their storage work took.
  const std::string log = server_->Log();
  for (const char* line :
       {"storage opened duration=", "boards rebuilt duration=",
        "memtables flushed at close duration="}) {
    EXPECT_TRUE(absl::StrContains(log, line)) << line << " in:\n" << log;
  }
}

// gRPC sets SO_REUSEPORT by default: a second server on the first one's port
// used to start, and clients landed on either database.
TEST_F(ServerTest, ASecondServerOnAPortInUseRefusesToStart) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> second = ServerProcess::Start(
      dir_.path() + "/second", {"--listen=" + server_->address()});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(
      absl::StrContains(second.status().message(),
                        absl::StrCat("cannot listen on ", server_->address())))
      << second.status();
}

// RocksDB's LOCK keeps a second server off a data dir in use; the message
// says so, rather than only "Resource temporarily unavailable".
TEST_F(ServerTest, ASecondServerOnADataDirInUseSaysWhy) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> second =
      ServerProcess::Start(dir_.path() + "/data");
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(
      absl::StrContains(second.status().message(), "in use by another process"))
      << second.status();
}

TEST_F(ServerTest, AListenAddressWithoutAPortIsRefused) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Start(dir_.path() + "/second", {"--listen=127.0.0.1"});
  ASSERT_FALSE(server.ok());
  EXPECT_TRUE(absl::StrContains(server.status().message(),
                                "--listen: expected HOST:PORT (such as "
                                "127.0.0.1:50051), got '127.0.0.1'"))
      << server.status();
}

// A limit out of range stops start-up, naming the flag: -1 would read as
// "unlimited" (gRPC's message size, the worker queue), and 1 queued request
// left subscriptions none (they get half).
TEST_F(ServerTest, LimitsOutOfRangeStopStartUp) {
  for (const char* flag :
       {"--max_queued_requests=1", "--max_queued_requests=-1",
        "--max_receive_message_bytes=-1", "--max_subscription_items=0",
        "--max_subscriptions=-1", "--post_cache_entries=-5",
        "--worker_threads=0", "--retention_hour=0s"}) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(dir_.path() + "/second", {flag});
    ASSERT_FALSE(server.ok()) << flag;
    const std::string name(flag, std::string(flag).find('='));
    EXPECT_TRUE(absl::StrContains(server.status().message(),
                                  absl::StrCat("ERROR ", name, ": must be")))
        << server.status();
  }
}

TEST_F(ServerTest, HealthCheckSaysServing) {
  auto health = grpc::health::v1::Health::NewStub(server_->channel());
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(Context().get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // Each service by name, as probes that name one ask.
  for (const char* name :
       {"pulse.v1.AnalyticsService", "pulse.v1.AdminService"}) {
    request.set_service(name);
    grpc::Status status = health->Check(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << name << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING)
        << name;
  }
  request.set_service("pulse.v1.NoSuchService");
  EXPECT_EQ(health->Check(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace pulse::testing
