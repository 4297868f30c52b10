#include "tools/loadgen/runner.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/time_scale.h"

namespace pulse::loadgen {
namespace {

// Stores batches with the server's exactly-once rule (a sequence not above
// the producer's last is a duplicate batch), and can break calls on demand.
class FakeService final : public pulse::v1::AnalyticsService::Service {
 public:
  grpc::Status IngestStream(
      grpc::ServerContext* /*context*/,
      grpc::ServerReader<pulse::v1::IngestRequest>* reader,
      pulse::v1::IngestStreamResponse* response) override {
    pulse::v1::IngestRequest batch;
    while (reader->Read(&batch)) {
      absl::MutexLock lock(&mu_);
      response->set_batches(response->batches() + 1);
      if (batch.sequence() <= last_sequence_) {
        response->set_duplicate_batches(response->duplicate_batches() + 1);
      } else {
        last_sequence_ = batch.sequence();
        stored_.push_back(batch.sequence());
        response->set_accepted(response->accepted() + batch.posts_size() +
                               batch.engagements_size() + batch.follows_size());
      }
      // Breaking after storing: the client cannot know the batch is safe.
      if (break_after_ > 0 && --break_after_ == 0) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "injected failure");
      }
    }
    return grpc::Status::OK;
  }

  void BreakAfter(int batches) {
    absl::MutexLock lock(&mu_);
    break_after_ = batches;
  }

  std::vector<uint64_t> stored() {
    absl::MutexLock lock(&mu_);
    return stored_;
  }

 private:
  absl::Mutex mu_;
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> stored_ ABSL_GUARDED_BY(mu_);
  int break_after_ ABSL_GUARDED_BY(mu_) = 0;
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    client_ =
        std::move(Client::Connect("127.0.0.1:" + std::to_string(port)).value());
  }
  void TearDown() override { server_->Shutdown(); }

  static FirehoseOptions World() {
    FirehoseOptions options;
    options.posts = 500;
    options.accounts = 50;
    options.sequence_start = 10;
    return options;
  }

  FakeService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
};

// Every sequence from `first`, once, in order.
void ExpectContiguous(const std::vector<uint64_t>& stored, uint64_t first,
                      int64_t count) {
  ASSERT_EQ(static_cast<int64_t>(stored.size()), count);
  for (size_t i = 0; i < stored.size(); ++i) {
    ASSERT_EQ(stored[i], first + i);
  }
}

TEST_F(RunnerTest, SendsAtTheRateAndAcknowledgesEverything) {
  Firehose firehose(World());
  RunnerOptions options;
  options.rate = 5'000;
  options.diurnal_amplitude = 0;
  options.duration = absl::Seconds(2);
  options.ack_interval = absl::Milliseconds(300);
  Runner runner(client_.get(), &firehose, options);
  std::atomic<bool> stop{false};
  RunStats stats;
  int reports = 0;
  ASSERT_TRUE(runner
                  .Run(
                      stop, [&reports](const RunStats&) { ++reports; }, &stats)
                  .ok());
  // Never over the rate; under it only by what a slow (sanitized) build
  // loses to lags of over a second, which the pacer forgives.
  EXPECT_LE(stats.engagements, 11'000);
  EXPECT_GE(static_cast<double>(stats.engagements),
            9'000 / pulse::testing::TimeScale());
  EXPECT_EQ(stats.acked_batches, stats.batches);
  EXPECT_EQ(stats.accepted, stats.posts + stats.engagements + stats.follows);
  EXPECT_GT(reports, 2);
  ExpectContiguous(service_.stored(), 10, stats.batches);
}

TEST_F(RunnerTest, ResendsAfterABrokenCallWithoutLosingOrDoublingBatches) {
  service_.BreakAfter(5);
  Firehose firehose(World());
  RunnerOptions options;
  options.rate = 0;
  options.batch_size = 100;
  options.duration = absl::Milliseconds(500);
  Runner runner(client_.get(), &firehose, options);
  std::atomic<bool> stop{false};
  RunStats stats;
  ASSERT_TRUE(runner.Run(stop, nullptr, &stats).ok());
  EXPECT_GE(stats.reconnects, 1);
  EXPECT_GE(stats.duplicate_batches, 1);
  EXPECT_EQ(stats.acked_batches, stats.batches);
  ExpectContiguous(service_.stored(), 10, stats.batches);
}

TEST_F(RunnerTest, ReportsARetryEpisodeWhenItBeginsAndWhenItRecovers) {
  service_.BreakAfter(5);
  Firehose firehose(World());
  RunnerOptions options;
  options.rate = 0;
  options.batch_size = 100;
  options.duration = absl::Milliseconds(500);
  Runner runner(client_.get(), &firehose, options);
  std::atomic<bool> stop{false};
  RunStats stats;
  std::vector<RetryEpisode> episodes;
  ASSERT_TRUE(runner
                  .Run(stop, nullptr, &stats,
                       [&](const RetryEpisode& episode) {
                         episodes.push_back(episode);
                       })
                  .ok());
  ASSERT_EQ(episodes.size(), 2u);
  EXPECT_FALSE(episodes[0].recovered);
  EXPECT_EQ(episodes[0].why.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(episodes[0].why.message(), "injected failure");
  EXPECT_TRUE(episodes[1].recovered);
  EXPECT_GE(episodes[1].retries, 1);
  EXPECT_LE(episodes[1].retries, stats.reconnects);
  EXPECT_GT(episodes[1].lasted, absl::ZeroDuration());
}

TEST_F(RunnerTest, StopsAtOnceWhenAskedToStop) {
  Firehose firehose(World());
  Runner runner(client_.get(), &firehose, RunnerOptions());
  std::atomic<bool> stop{true};
  RunStats stats;
  EXPECT_TRUE(runner.Run(stop, nullptr, &stats).ok());
  EXPECT_EQ(stats.batches, 0);
}

// A runner of a small world, as fast as it can, against a port where
// nothing listens.
class UnreachableServer : public ::testing::Test {
 protected:
  UnreachableServer()
      : client_(std::move(Client::Connect("127.0.0.1:1").value())),
        firehose_([] {
          FirehoseOptions world;
          world.posts = 10;
          return world;
        }()) {
    options_.rate = 0;
  }
  absl::Status Run(const std::atomic<bool>& stop,
                   const Runner::ProgressCallback& progress,
                   const Runner::RetryCallback& on_retry = nullptr) {
    Runner runner(client_.get(), &firehose_, options_);
    return runner.Run(stop, progress, &stats_, on_retry);
  }

  std::unique_ptr<Client> client_;
  Firehose firehose_;
  RunnerOptions options_;
  RunStats stats_;
};

TEST_F(UnreachableServer, TheRunGivesUpOnceStopped) {
  std::atomic<bool> stop{false};
  int reports = 0;
  const absl::Status status = Run(stop, [&](const RunStats&) {
    if (++reports == 3) stop = true;
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(stats_.acked_batches, 0);
}

// --duration bounds the retries too: a run against a server that is gone
// ends when its time is up.
TEST_F(UnreachableServer, TheRunGivesUpWhenItsTimeIsUp) {
  options_.duration = absl::Milliseconds(300);
  std::atomic<bool> stop{false};
  const absl::Status status = Run(stop, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(status.message().find("--duration ended"), std::string::npos)
      << status;
  EXPECT_EQ(stats_.acked_batches, 0);
}

// However many calls fail while the server stays down, one episode begins,
// at the first failure, and none recovers.
TEST_F(UnreachableServer, OneRetryEpisodeBeginsAndNoneRecovers) {
  options_.duration = absl::Milliseconds(500);
  std::atomic<bool> stop{false};
  std::vector<RetryEpisode> episodes;
  const absl::Status status =
      Run(stop, nullptr,
          [&](const RetryEpisode& episode) { episodes.push_back(episode); });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_GT(stats_.reconnects, 1);
  ASSERT_EQ(episodes.size(), 1u);
  EXPECT_FALSE(episodes[0].recovered);
  EXPECT_EQ(episodes[0].why.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pulse::loadgen
