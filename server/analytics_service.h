// pulse_server: the gRPC AnalyticsService over the metrics store.
//
// This module validates requests, runs them on a worker pool (RocksDB may
// block; gRPC callbacks must not) and maps results to gRPC statuses in one
// place. It never touches RocksDB directly: everything goes through
// storage::Store.
#ifndef PULSE_SERVER_ANALYTICS_SERVICE_H_
#define PULSE_SERVER_ANALYTICS_SERVICE_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pulse/v1/analytics.grpc.pb.h"
#include "server/auth.h"
#include "server/boards.h"
#include "server/change_tracker.h"
#include "server/metrics.h"
#include "server/stats_reader.h"
#include "server/validation.h"
#include "server/worker_pool.h"
#include "storage/store.h"

namespace pulse::server {

class SubscriptionHub;

// What the service needs; nothing here is owned and all outlive the service.
struct ServiceDeps {
  storage::Store* store = nullptr;
  Boards* boards = nullptr;
  WorkerPool* pool = nullptr;
  const StatsReader* reader = nullptr;
  ChangeTracker* changes = nullptr;
  SubscriptionHub* hub = nullptr;
  ServerMetrics* metrics = nullptr;
  const storage::Clock* clock = nullptr;
  const Authenticator* auth = nullptr;
  int max_batch_items = 10'000;
};

// The gRPC service. Its callbacks run on gRPC's threads and never block.
class AnalyticsService final : public v1::AnalyticsService::CallbackService {
 public:
  explicit AnalyticsService(const ServiceDeps& deps);

  // One batch, stored and not yet published.
  struct StoredBatch {
    absl::Time start;
    ValidatedBatch batch;
    storage::WriteResult result;
    // The answer, complete once stored.
    v1::IngestResponse response;
  };

  // Checks `who` may send it (accounts, rate), validates and stores one
  // batch; blocks on the write. Called on a worker. Then call
  // PublishBatch: the batch is acknowledged, but the boards, subscriptions
  // and metrics do not know of it yet.
  absl::StatusOr<StoredBatch> StoreBatch(const Principal& who,
                                         const v1::IngestRequest& request);
  // Records a stored batch in the boards, marks what it changed for the
  // subscriptions and counts it. Called on a worker; batches of one stream
  // may be published in any order, and concurrently.
  void PublishBatch(const StoredBatch& stored);
  // StoreBatch then PublishBatch.
  absl::StatusOr<v1::IngestResponse> IngestBatch(
      const Principal& who, const v1::IngestRequest& request);

  // The worker pool, for reactors that hand work to it.
  WorkerPool* pool() const { return deps_.pool; }
  // Who may call what, for reactors.
  const Authenticator* auth() const { return deps_.auth; }
  // The metrics, for reactors that count their calls.
  ServerMetrics* metrics() const { return deps_.metrics; }

  grpc::ServerUnaryReactor* Ingest(grpc::CallbackServerContext* ctx,
                                   const v1::IngestRequest* request,
                                   v1::IngestResponse* response) override;
  grpc::ServerReadReactor<v1::IngestRequest>* IngestStream(
      grpc::CallbackServerContext* ctx,
      v1::IngestStreamResponse* response) override;
  grpc::ServerUnaryReactor* GetPostStats(grpc::CallbackServerContext* ctx,
                                         const v1::GetPostStatsRequest* request,
                                         v1::PostStats* response) override;
  grpc::ServerUnaryReactor* BatchGetPostStats(
      grpc::CallbackServerContext* ctx,
      const v1::BatchGetPostStatsRequest* request,
      v1::BatchGetPostStatsResponse* response) override;
  grpc::ServerUnaryReactor* GetAccountStats(
      grpc::CallbackServerContext* ctx,
      const v1::GetAccountStatsRequest* request,
      v1::AccountStats* response) override;
  grpc::ServerUnaryReactor* GetHashtagStats(
      grpc::CallbackServerContext* ctx,
      const v1::GetHashtagStatsRequest* request,
      v1::HashtagStats* response) override;
  grpc::ServerUnaryReactor* GetGlobalStats(
      grpc::CallbackServerContext* ctx,
      const v1::GetGlobalStatsRequest* request,
      v1::GlobalStats* response) override;
  grpc::ServerUnaryReactor* QueryTimeSeries(
      grpc::CallbackServerContext* ctx,
      const v1::QueryTimeSeriesRequest* request,
      v1::QueryTimeSeriesResponse* response) override;
  grpc::ServerUnaryReactor* TopPosts(grpc::CallbackServerContext* ctx,
                                     const v1::TopPostsRequest* request,
                                     v1::TopPostsResponse* response) override;
  grpc::ServerUnaryReactor* TrendingHashtags(
      grpc::CallbackServerContext* ctx,
      const v1::TrendingHashtagsRequest* request,
      v1::TrendingHashtagsResponse* response) override;
  grpc::ServerWriteReactor<v1::Update>* Subscribe(
      grpc::CallbackServerContext* ctx,
      const v1::SubscribeRequest* request) override;

 private:
  // Authorizes the caller as `needed`, runs `work` on the pool and finishes
  // the call with its status.
  grpc::ServerUnaryReactor* RunOnPool(
      grpc::CallbackServerContext* ctx, const char* method, Role needed,
      std::function<absl::Status(const Principal& who)> work);
  // Authorizes the caller as `needed`, runs `work` on the callback thread
  // (in-memory work only) and finishes the call with its status.
  grpc::ServerUnaryReactor* RunNow(
      grpc::CallbackServerContext* ctx, const char* method, Role needed,
      const std::function<absl::Status(const Principal& who)>& work);

  ServiceDeps deps_;
  const StatsReader& reader_;
};

// The one mapping from absl::Status to grpc::Status.
grpc::Status ToGrpcStatus(const absl::Status& status);

// A status that says how long the client should wait before retrying; the
// time also goes to the client as `retry-after-ms` trailing metadata (see
// AddRetryAfter).
absl::Status RetryLaterError(absl::string_view message, absl::Duration wait);
// Adds `retry-after-ms` trailing metadata to `ctx` when `status` carries a
// wait (RetryLaterError). Call before finishing the call.
void AddRetryAfter(const absl::Status& status, grpc::ServerContextBase* ctx);

// Finishes a unary call at once with `status`, counted in `metrics`.
grpc::ServerUnaryReactor* FinishUnary(ServerMetrics* metrics,
                                      grpc::CallbackServerContext* ctx,
                                      const char* method, absl::Time start,
                                      const absl::Status& status);

// Runs `work` on `pool` and finishes the unary call with its status, counted
// in `metrics` under `method`. When the pool's queue is full the call fails
// with RESOURCE_EXHAUSTED at once and `work` never runs. Called on a gRPC
// callback thread; never blocks.
grpc::ServerUnaryReactor* RunUnaryOnPool(WorkerPool* pool,
                                         ServerMetrics* metrics,
                                         grpc::CallbackServerContext* ctx,
                                         const char* method,
                                         std::function<absl::Status()> work);

}  // namespace pulse::server

#endif  // PULSE_SERVER_ANALYTICS_SERVICE_H_
