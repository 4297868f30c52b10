// Live subscriptions against a real pulse-server process.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"
#include "tests/time_scale.h"
#include "tests/update_collector.h"

namespace pulse::testing {
namespace {

using Received = UpdateCollector::Received;

google::protobuf::Duration Millis(int ms) {
  google::protobuf::Duration d;
  d.set_seconds(ms / 1000);
  d.set_nanos((ms % 1000) * 1'000'000);
  return d;
}

class SubscribeTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(const std::vector<std::string>& flags) {
    server_.reset();
    auto server = ServerProcess::Start(dir_.path() + "/data", flags);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->stub();
  }

  void Ingest(const v1::IngestRequest& request) {
    v1::IngestResponse response;
    grpc::Status status = stub_->Ingest(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void Likes(const std::string& post, int n, const std::string& prefix) {
    v1::IngestRequest batch;
    for (int i = 0; i < n; ++i) {
      *batch.add_engagements() =
          MakeEngagement(absl::StrCat(prefix, "-", i), post, v1::LIKE, 1);
    }
    Ingest(batch);
  }

  static auto Count(size_t n) {
    return [n](const std::vector<Received>& r) { return r.size() >= n; };
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
};

TEST_F(SubscribeTest, FirstMessageIsASnapshotOfEverythingWatched) {
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.add_post_ids("p1");
  request.add_post_ids("p1");  // watched, and sent, once
  request.add_account_ids("a1");
  request.add_hashtags("#news");  // the same as "news"
  request.add_hashtags("news");
  request.set_global(true);
  request.mutable_top_posts();
  request.mutable_trending();
  UpdateCollector sub(stub_.get(), request);
  ASSERT_TRUE(sub.WaitFor(Count(1), absl::Seconds(10)));
  const v1::Update u = sub.received()[0].update;
  EXPECT_TRUE(u.snapshot());
  EXPECT_EQ(u.seq(), 1u);
  ASSERT_EQ(u.posts_size(), 1);
  EXPECT_EQ(u.posts(0).likes(), 3);
  ASSERT_EQ(u.accounts_size(), 1);
  EXPECT_EQ(u.accounts(0).engagements(), 7);
  ASSERT_EQ(u.hashtags_size(), 1);
  EXPECT_EQ(u.hashtags(0).hashtag(), "news");
  EXPECT_EQ(u.hashtags(0).posts(), 2);
  EXPECT_EQ(u.global().engagements(), 13);
  ASSERT_EQ(u.top_posts().posts_size(), 3);
  EXPECT_EQ(u.top_posts().posts(0).post_id(), "p1");
  EXPECT_EQ(u.top_posts().posts(1).post_id(), "p3");
  ASSERT_EQ(u.trending().hashtags_size(), 3);
  EXPECT_EQ(u.trending().hashtags(0).hashtag(), "news");
}

TEST_F(SubscribeTest,
       ManyChangesWithinOneIntervalGiveOneUpdateWithTheFinalValue) {
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.add_post_ids("p1");
  // Stretched with the sanitizers' slowdown, so the ten batches below still
  // fit in one interval.
  *request.mutable_min_interval() = Millis(static_cast<int>(
      absl::ToInt64Milliseconds(Scaled(absl::Milliseconds(2000)))));
  UpdateCollector sub(stub_.get(), request);
  ASSERT_TRUE(sub.WaitFor(Count(1), absl::Seconds(10)));
  // The next update is built no sooner than 2 s (scaled) after the
  // snapshot; these 1,000 likes are acknowledged well before that.
  for (int b = 0; b < 10; ++b) Likes("p1", 100, absl::StrCat("c", b));
  ASSERT_TRUE(sub.WaitFor(Count(2), absl::Seconds(10)));
  const v1::Update u = sub.received()[1].update;
  EXPECT_FALSE(u.snapshot());
  EXPECT_EQ(u.seq(), 2u);
  ASSERT_EQ(u.posts_size(), 1);
  EXPECT_EQ(u.posts(0).likes(), 1003);
}

TEST_F(SubscribeTest, NothingIsSentWhenNothingWatchedChanged) {
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.add_post_ids("p1");
  *request.mutable_min_interval() = Millis(50);
  UpdateCollector sub(stub_.get(), request);
  ASSERT_TRUE(sub.WaitFor(Count(1), absl::Seconds(10)));
  Likes("p2", 5, "other");  // not watched
  Likes("p1", 1, "mine");
  ASSERT_TRUE(sub.WaitFor(Count(2), absl::Seconds(10)));
  // Had the p2 change produced an update, it would be seq 2 with p1 at 3.
  const v1::Update u = sub.received()[1].update;
  EXPECT_EQ(u.seq(), 2u);
  ASSERT_EQ(u.posts_size(), 1);
  EXPECT_EQ(u.posts(0).likes(), 4);
}

// engagements_per_second covers the last ten whole seconds: once ingest
// stops it falls to 0 with no change to mark, and subscribers see it fall.
TEST_F(SubscribeTest, TheGlobalRateFallsToZeroOnceIngestStops) {
  v1::SubscribeRequest request;
  request.set_global(true);
  *request.mutable_min_interval() = Millis(100);
  UpdateCollector sub(stub_.get(), request);
  ASSERT_TRUE(sub.WaitFor(Count(1), absl::Seconds(10)));
  Likes("p1", 20, "rate");
  auto rate_is = [](bool zero) {
    return [zero](const std::vector<Received>& r) {
      return !r.empty() && r.back().update.has_global() &&
             (r.back().update.global().engagements_per_second() == 0) == zero;
    };
  };
  ASSERT_TRUE(sub.WaitFor(rate_is(false), absl::Seconds(10)));
  EXPECT_TRUE(sub.WaitFor(rate_is(true), absl::Seconds(20)))
      << "the rate stayed at "
      << sub.received().back().update.global().engagements_per_second();
}

TEST_F(SubscribeTest, ABoardIsSentWhenItsRankingChanges) {
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.mutable_top_posts()->set_metric(v1::LIKES);
  *request.mutable_min_interval() = Millis(50);
  UpdateCollector sub(stub_.get(), request);
  ASSERT_TRUE(sub.WaitFor(Count(1), absl::Seconds(10)));
  EXPECT_EQ(sub.received()[0].update.top_posts().posts(0).post_id(), "p1");
  Likes("p2", 10, "surge");
  ASSERT_TRUE(sub.WaitFor(Count(2), absl::Seconds(10)));
  const v1::TopPostsResponse board = sub.received()[1].update.top_posts();
  ASSERT_EQ(board.posts_size(), 3);
  EXPECT_EQ(board.posts(0).post_id(), "p2");
  EXPECT_EQ(board.posts(0).value(), 11);
  EXPECT_EQ(board.posts(1).post_id(), "p1");
}

// Subscriptions asking for the same board share one copy of it (lent to
// their updates, not copied): each still gets it whole, and only when it
// changed since its own last send.
TEST_F(SubscribeTest, SubscriptionsSharingABoardGetItOnlyWhenItChanges) {
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.set_global(true);
  request.mutable_top_posts()->set_metric(v1::LIKES);
  request.mutable_trending();
  *request.mutable_min_interval() = Millis(50);
  std::vector<std::unique_ptr<UpdateCollector>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_unique<UpdateCollector>(stub_.get(), request));
  }
  for (auto& sub : subs) {
    ASSERT_TRUE(sub->WaitFor(Count(1), absl::Seconds(10)));
    const v1::Update u = sub->received()[0].update;
    ASSERT_EQ(u.top_posts().posts_size(), 3);
    EXPECT_EQ(u.top_posts().posts(0).post_id(), "p1");
    EXPECT_EQ(u.top_posts().posts(0).value(), 3);
    EXPECT_TRUE(u.has_trending());
  }
  // A follow changes the global totals, not the likes board.
  v1::IngestRequest follow;
  *follow.add_follows() = MakeFollow("f-shared", "a2", 1);
  Ingest(follow);
  // The global rate's once-a-second check may add updates of its own (the
  // snapshot's rate left out the setup's second), so the test looks for the
  // update that carries the follow, and for a board in none of them.
  const auto after_snapshot = [](const std::vector<Received>& r, auto pred) {
    return r.size() > 1 && std::any_of(r.begin() + 1, r.end(), pred);
  };
  for (auto& sub : subs) {
    ASSERT_TRUE(sub->WaitFor(
        [&](const std::vector<Received>& r) {
          return after_snapshot(r, [](const Received& x) {
            return x.update.global().followers() == 13;
          });
        },
        absl::Seconds(10)));
    EXPECT_FALSE(after_snapshot(sub->received(), [](const Received& x) {
      return x.update.has_top_posts();
    }));
  }
  Likes("p2", 10, "surge");
  const auto last_board = [](const std::vector<Received>& r) {
    const auto it = std::find_if(r.rbegin(), r.rend(), [](const Received& x) {
      return x.update.has_top_posts();
    });
    return it == r.rend() ? v1::TopPostsResponse() : it->update.top_posts();
  };
  for (auto& sub : subs) {
    ASSERT_TRUE(sub->WaitFor(
        [&](const std::vector<Received>& r) {
          return last_board(r).posts_size() > 0 &&
                 last_board(r).posts(0).post_id() == "p2";
        },
        absl::Seconds(10)));
    const v1::TopPostsResponse board = last_board(sub->received());
    ASSERT_EQ(board.posts_size(), 3);
    EXPECT_EQ(board.posts(0).post_id(), "p2");
    EXPECT_EQ(board.posts(0).value(), 11);
    EXPECT_EQ(board.posts(1).post_id(), "p1");
  }
}

TEST_F(SubscribeTest, BadRequestsAreRejectedWithTheBoundNamed) {
  v1::SubscribeRequest request;
  request.set_global(true);
  *request.mutable_min_interval() = Millis(10);
  {
    UpdateCollector sub(stub_.get(), request);
    ASSERT_TRUE(sub.WaitDone(absl::Seconds(10)));
    EXPECT_EQ(sub.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(sub.status().error_message().find("min_interval"),
              std::string::npos);
  }
  v1::SubscribeRequest nothing;
  UpdateCollector empty(stub_.get(), nothing);
  ASSERT_TRUE(empty.WaitDone(absl::Seconds(10)));
  EXPECT_EQ(empty.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SubscribeTest, SubscriptionsPastTheLimitAreResourceExhausted) {
  Start({"--max_subscriptions=2", "--max_subscription_items=3"});
  v1::SubscribeRequest request;
  request.set_global(true);
  UpdateCollector a(stub_.get(), request);
  UpdateCollector b(stub_.get(), request);
  ASSERT_TRUE(a.WaitFor(Count(1), absl::Seconds(10)));
  ASSERT_TRUE(b.WaitFor(Count(1), absl::Seconds(10)));
  UpdateCollector c(stub_.get(), request);
  ASSERT_TRUE(c.WaitDone(absl::Seconds(10)));
  EXPECT_EQ(c.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(c.status().error_message().find("max_subscriptions"),
            std::string::npos);

  v1::SubscribeRequest wide;
  for (int i = 0; i < 4; ++i) wide.add_post_ids(absl::StrCat("p", i));
  UpdateCollector d(stub_.get(), wide);
  ASSERT_TRUE(d.WaitDone(absl::Seconds(10)));
  EXPECT_EQ(d.status().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(d.status().error_message().find("max_subscription_items"),
            std::string::npos);
}

// The unlabelled metric `name` from the server's metrics page; -1 if unread.
int64_t ServerMetric(const ServerProcess& server, const std::string& name) {
  const std::string page = HttpGet(server.metrics_port(), "/metrics");
  const std::string line = absl::StrCat("\n", name, " ");
  const size_t from = page.find(line);
  if (from == std::string::npos) return -1;
  const size_t value = from + line.size();
  int64_t n = -1;
  if (!absl::SimpleAtoi(page.substr(value, page.find('\n', value) - value),
                        &n)) {
    return -1;
  }
  return n;
}

// The server's live Subscribe streams; -1 if unread.
int64_t ServerSubscriptions(const ServerProcess& server) {
  return ServerMetric(server, "pulse_subscriptions");
}

TEST_F(SubscribeTest, ThousandsOfSubscribeCancelCyclesLeakNothing) {
  Start({"--max_subscriptions=50", "--metrics_listen=127.0.0.1:0"});
  v1::SubscribeRequest request;
  request.set_global(true);
  request.add_post_ids("p1");
  {  // warm up gRPC's thread pools before counting threads
    UpdateCollector warm(stub_.get(), request);
    ASSERT_TRUE(warm.WaitFor(Count(1), absl::Seconds(10)));
  }
  const int threads_before = server_->Threads();
  for (int round = 0; round < 100; ++round) {
    std::vector<std::unique_ptr<UpdateCollector>> subs;
    for (int i = 0; i < 20; ++i) {
      subs.push_back(std::make_unique<UpdateCollector>(stub_.get(), request));
    }
    for (auto& s : subs) {
      ASSERT_TRUE(s->WaitFor(Count(1), absl::Seconds(10)))
          << "round " << round << ", stream status " << s->status().error_code()
          << " " << s->status().error_message();
    }
    subs.clear();  // each destructor cancels and waits for its stream's end
    // The server frees a slot when it sees the cancel, which the client does
    // not wait for: every one must be freed, soon.
    ASSERT_TRUE(WaitUntil([&] { return ServerSubscriptions(*server_) == 0; },
                          absl::Seconds(10)))
        << "round " << round << ": the server still holds "
        << ServerSubscriptions(*server_) << " subscriptions";
  }
  // 2,000 cycles later, every slot is free again: the limit of 50 admits 50.
  std::vector<std::unique_ptr<UpdateCollector>> full;
  for (int i = 0; i < 50; ++i) {
    full.push_back(std::make_unique<UpdateCollector>(stub_.get(), request));
  }
  for (auto& s : full) {
    ASSERT_TRUE(s->WaitFor(Count(1), absl::Seconds(10)))
        << s->status().error_message();
  }
  full.clear();
  EXPECT_LE(server_->Threads(), threads_before + 4);
}

TEST_F(SubscribeTest, AThousandConcurrentStreamsAllSeeAChange) {
  v1::SubscribeRequest request;
  request.set_global(true);
  *request.mutable_min_interval() = Millis(100);
  std::vector<std::unique_ptr<UpdateCollector>> subs;
  for (int i = 0; i < 1000; ++i) {
    subs.push_back(std::make_unique<UpdateCollector>(stub_.get(), request));
  }
  for (auto& s : subs) ASSERT_TRUE(s->WaitFor(Count(1), absl::Seconds(30)));
  Likes("p1", 7, "fanout");
  auto sees_seven = [](const std::vector<Received>& r) {
    return std::any_of(r.begin(), r.end(), [](const Received& x) {
      return x.update.global().likes() == 7;
    });
  };
  for (auto& s : subs) EXPECT_TRUE(s->WaitFor(sees_seven, absl::Seconds(30)));
}

// Many subscriptions watching one post each end up with every change of
// it, never a stale read, though they share the reads of it.
TEST_F(SubscribeTest, SubscriptionsWatchingOnePostEachSeeEveryChange) {
  Start({"--metrics_listen=127.0.0.1:0"});
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.add_post_ids("p1");
  *request.mutable_min_interval() = Millis(50);
  std::vector<std::unique_ptr<UpdateCollector>> subs;
  for (int i = 0; i < 50; ++i) {
    subs.push_back(std::make_unique<UpdateCollector>(stub_.get(), request));
  }
  for (auto& sub : subs) ASSERT_TRUE(sub->WaitFor(Count(1), absl::Seconds(10)));
  for (int round = 1; round <= 5; ++round) {
    Likes("p1", 1, absl::StrCat("round", round));
    const int64_t likes = 3 + round;
    for (auto& sub : subs) {
      ASSERT_TRUE(sub->WaitFor(
          [likes](const std::vector<Received>& r) {
            return !r.empty() && r.back().update.posts_size() == 1 &&
                   r.back().update.posts(0).likes() == likes;
          },
          absl::Seconds(10)))
          << "round " << round;
    }
  }
  // 50 builds per change, well within a second of each other: most take
  // another's read. Each subscription read the post (from the store or
  // from another's read) for its snapshot and each of the five changes, and
  // each of those six figures was read from the store once at least.
  const int64_t reads = ServerMetric(*server_, "pulse_subscription_post_reads");
  const int64_t shared =
      ServerMetric(*server_, "pulse_subscription_post_reads_shared");
  EXPECT_GT(shared, 0);
  EXPECT_GE(reads, 6);
  EXPECT_GE(reads + shared, 50 * 6);
  // Each got its snapshot and five changes at least (a write is counted when
  // it completes, which can be just after the client has it).
  EXPECT_TRUE(WaitUntil(
      [&] {
        return ServerMetric(*server_, "pulse_subscription_updates_sent") >=
               50 * 6;
      },
      absl::Seconds(10)))
      << ServerMetric(*server_, "pulse_subscription_updates_sent");
}

TEST_F(SubscribeTest, AStalledReaderSlowsNeitherIngestNorOthers) {
  constexpr int kInterval = 100;
  constexpr int kBatches = 100;
  constexpr int kBatchSize = 10'000;
  Ingest(SampleBatch());
  v1::SubscribeRequest request;
  request.add_post_ids("p1");
  request.set_global(true);
  request.mutable_top_posts();
  *request.mutable_min_interval() = Millis(kInterval);
  UpdateCollector stalled(stub_.get(), request, /*stall_after=*/1);
  UpdateCollector live(stub_.get(), request);
  ASSERT_TRUE(stalled.WaitFor(Count(1), absl::Seconds(10)));
  ASSERT_TRUE(live.WaitFor(Count(1), absl::Seconds(10)));
  const int64_t rss_before = server_->RssKib();

  // 1,000,000 likes on p1 through Ingest, paced at ten batches a second;
  // each acknowledgement's cumulative value must reach `live` within
  // 2 * min_interval + 100 ms.
  std::vector<std::pair<absl::Time, int64_t>> acks;
  int64_t likes = 3;
  for (int b = 0; b < kBatches; ++b) {
    const absl::Time start = absl::Now();
    v1::IngestRequest batch;
    batch.set_producer_id("firehose");
    batch.set_sequence(b + 1);
    for (int i = 0; i < kBatchSize; ++i) {
      *batch.add_engagements() = MakeEngagement("", "p1", v1::LIKE, 1);
    }
    Ingest(batch);
    likes += kBatchSize;
    acks.emplace_back(absl::Now(), likes);
    const absl::Duration spent = absl::Now() - start;
    if (spent < absl::Milliseconds(100))
      absl::SleepFor(absl::Milliseconds(100) - spent);
  }
  ASSERT_TRUE(live.WaitFor(
      [&](const std::vector<Received>& r) {
        return !r.empty() && r.back().update.posts_size() == 1 &&
               r.back().update.posts(0).likes() == likes;
      },
      absl::Seconds(10)));

  const std::vector<Received> seen = live.received();
  absl::Duration worst;
  for (const auto& [acked_at, value] : acks) {
    auto first = std::find_if(seen.begin(), seen.end(), [&](const Received& r) {
      return r.update.posts_size() == 1 && r.update.posts(0).likes() >= value;
    });
    ASSERT_NE(first, seen.end());
    worst = std::max(worst, first->at - acked_at);
  }
  EXPECT_LE(worst, Scaled(absl::Milliseconds(2 * kInterval + 100)))
      << "worst visibility delay";
  const int64_t growth_kib = server_->RssKib() - rss_before;
  std::printf("visibility worst %s, server RSS growth %lld KiB\n",
              absl::FormatDuration(worst).c_str(),
              static_cast<long long>(growth_kib));
  EXPECT_LT(growth_kib, 256 * 1024)
      << "server RSS grew by " << growth_kib << " KiB";

  // The stalled stream was kept, not dropped: reading again, it catches up
  // to the last value at once (what it missed was merged, not queued).
  stalled.Resume();
  EXPECT_TRUE(stalled.WaitFor(
      [&](const std::vector<Received>& r) {
        return !r.empty() && r.back().update.posts_size() == 1 &&
               r.back().update.posts(0).likes() == likes;
      },
      absl::Seconds(5)))
      << "the stalled stream did not catch up";
  EXPECT_TRUE(stalled.status().ok()) << stalled.status().error_message();
}

TEST_F(SubscribeTest, ShutdownEndsOpenStreams) {
  v1::SubscribeRequest request;
  request.set_global(true);
  UpdateCollector sub(stub_.get(), request);
  ASSERT_TRUE(sub.WaitFor(Count(1), absl::Seconds(10)));
  EXPECT_EQ(server_->Terminate(), 0);
  ASSERT_TRUE(sub.WaitDone(absl::Seconds(10)));
  EXPECT_EQ(sub.status().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace pulse::testing
