// A Subscribe client for tests: collects every Update with its arrival time.
#ifndef PULSE_TESTS_UPDATE_COLLECTOR_H_
#define PULSE_TESTS_UPDATE_COLLECTOR_H_

#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.grpc.pb.h"
#include "tests/time_scale.h"

namespace pulse::testing {

// One Subscribe stream read on gRPC's callback threads. With `stall_after`
// set, it stops reading after that many messages, like a client that hangs,
// until Resume().
class UpdateCollector : public grpc::ClientReadReactor<v1::Update> {
 public:
  struct Received {
    absl::Time at;
    v1::Update update;
  };

  UpdateCollector(v1::AnalyticsService::Stub* stub,
                  const v1::SubscribeRequest& request, int stall_after = -1)
      : stall_after_(stall_after) {
    stub->async()->Subscribe(&ctx_, &request, this);
    StartRead(&incoming_);
    StartCall();
  }
  // Cancels the stream and waits for it to end.
  ~UpdateCollector() override {
    ctx_.TryCancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    absl::MutexLock lock(&mu_);
    received_.push_back(Received{absl::Now(), incoming_});
    if (stall_after_ < 0 || static_cast<int>(received_.size()) < stall_after_) {
      StartRead(&incoming_);
    } else {
      stalled_ = true;
    }
  }
  // Reads again, from now on without stalling.
  void Resume() {
    absl::MutexLock lock(&mu_);
    stall_after_ = -1;
    if (stalled_) {
      stalled_ = false;
      StartRead(&incoming_);
    }
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

  // Waits until `pred(received)` holds; false after Scaled(`timeout`) (a
  // deadline only ends a wait that has already failed).
  bool WaitFor(const std::function<bool(const std::vector<Received>&)>& pred,
               absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto cond = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pred(received_);
    };
    return mu_.AwaitWithTimeout(absl::Condition(&cond), Scaled(timeout));
  }
  // Waits until the stream ended; false after Scaled(`timeout`).
  bool WaitDone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done_), Scaled(timeout));
  }
  std::vector<Received> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  grpc::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  grpc::ClientContext* context() { return &ctx_; }

 private:
  grpc::ClientContext ctx_;
  v1::Update incoming_;
  absl::Mutex mu_;
  int stall_after_ ABSL_GUARDED_BY(mu_);
  bool stalled_ ABSL_GUARDED_BY(mu_) = false;  // no read pending
  std::vector<Received> received_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace pulse::testing

#endif  // PULSE_TESTS_UPDATE_COLLECTOR_H_
