// The server side of one IngestStream call.
#ifndef PULSE_SERVER_INGEST_STREAM_REACTOR_H_
#define PULSE_SERVER_INGEST_STREAM_REACTOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.pb.h"
#include "server/auth.h"

namespace pulse::server {

class AnalyticsService;

// Reads one batch at a time and stores it on a worker; once it is stored,
// reads the next while the worker publishes it (boards, subscriptions,
// metrics), so that the next write overlaps that work. At most one batch per
// stream is being read or stored, so a producer faster than the disk is
// slowed by flow control rather than buffered. The summary is sent only
// once every stored batch is published: a client that has it sees its
// batches on the boards. Deletes itself in OnDone.
class IngestStreamReactor final
    : public grpc::ServerReadReactor<v1::IngestRequest> {
 public:
  // `service` outlives the call; `ctx` and `response` are gRPC's and live
  // until OnDone. A caller the service's Authenticator refuses is answered
  // at once.
  IngestStreamReactor(AnalyticsService* service,
                      grpc::CallbackServerContext* ctx,
                      v1::IngestStreamResponse* response);

  void OnReadDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  // Runs on a worker thread.
  void StoreBatch() ABSL_LOCKS_EXCLUDED(mu_);
  // Adds one stored batch's answer to the call's summary.
  void AddToSummary(const v1::IngestResponse& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "batch[N]", N the batch being read or stored.
  std::string CurrentBatch() ABSL_LOCKS_EXCLUDED(mu_);
  // Finishes with `status` now, or when the last batch being published is.
  void FinishWhenPublished(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  // Counts the call, then finishes it; nothing may follow.
  void FinishCounted(const absl::Status& status);

  AnalyticsService* service_;
  grpc::CallbackServerContext* ctx_;
  std::shared_ptr<const Principal> who_;
  // Read into and stored from by turns, never at once.
  v1::IngestRequest request_;
  const absl::Time start_ = absl::Now();

  absl::Mutex mu_;
  // The call's summary; gRPC sends it once the call is finished.
  v1::IngestStreamResponse* const response_ ABSL_PT_GUARDED_BY(mu_);
  int64_t batch_index_ ABSL_GUARDED_BY(mu_) = 0;
  // Batches stored and being published.
  int publishing_ ABSL_GUARDED_BY(mu_) = 0;
  // How the call ends once publishing_ is 0, when it ended before.
  std::optional<absl::Status> finish_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_INGEST_STREAM_REACTOR_H_
