// The server side of one IngestStream call.
#ifndef PULSE_SERVER_INGEST_STREAM_REACTOR_H_
#define PULSE_SERVER_INGEST_STREAM_REACTOR_H_

#include <cstdint>
#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.pb.h"
#include "server/auth.h"

namespace pulse::server {

class AnalyticsService;

// Reads one batch at a time, stores it on a worker, then reads the next: at
// most one batch per stream is in memory, and a producer faster than the disk
// is slowed by flow control rather than buffered. Deletes itself in OnDone.
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
  void StoreBatch();
  // Counts the call, then finishes it; nothing may follow.
  void FinishCounted(const absl::Status& status);

  AnalyticsService* service_;
  grpc::CallbackServerContext* ctx_;
  v1::IngestStreamResponse* response_;
  std::shared_ptr<const Principal> who_;
  v1::IngestRequest request_;
  int64_t batch_index_ = 0;
  const absl::Time start_ = absl::Now();
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_INGEST_STREAM_REACTOR_H_
