// The server side of one Subscribe stream.
#ifndef PULSE_SERVER_SUBSCRIPTION_H_
#define PULSE_SERVER_SUBSCRIPTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.pb.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/subscription_hub.h"

namespace pulse::server {

class SubscriptionHub;

// Default, least and greatest min_interval.
inline constexpr absl::Duration kDefaultMinInterval = absl::Milliseconds(250);
inline constexpr absl::Duration kMinMinInterval = absl::Milliseconds(50);
inline constexpr absl::Duration kMaxMinInterval = absl::Seconds(60);

// Validates a SubscribeRequest against the hub's limits.
absl::Status ValidateSubscribe(const v1::SubscribeRequest& request,
                               const SubscriptionHub& hub);

// One subscription. It keeps the versions and boards it last sent, never a
// queue of changes: when the client is slow, what changed meanwhile is
// merged into the next update, so its memory is bounded by what it watches.
// At most one write is in flight; the next update is built (on a worker)
// only after it completes and min_interval has passed. Deletes itself in
// OnDone.
class Subscription final : public grpc::ServerWriteReactor<v1::Update> {
 public:
  // Starts the stream for `who` (the caller, or why it was refused), or
  // finishes it at once with the error: refused, invalid, outside the
  // token's accounts, or over `max_per_token` open streams (0: no limit).
  // Counts itself in `metrics` (pulse_rpcs_total) when it finishes.
  Subscription(SubscriptionHub* hub, ServerMetrics* metrics,
               const v1::SubscribeRequest* request,
               absl::StatusOr<std::shared_ptr<const Principal>> who,
               int max_per_token);
  ~Subscription() override { ReturnLentBoards(); }

  uint64_t id() const { return id_; }
  void set_id(uint64_t id) { id_ = id; }

  // The hub's timer, when the next update is due and under the hub's lock:
  // moves a waiting subscription to building and returns true; then nothing
  // but Dispatch may finish it, so it stays alive after the lock is released.
  bool Claim();
  // Then, outside the hub's lock: hands the build to a worker. Never blocks.
  void Dispatch();
  // Asks the stream to end with `status` as soon as nothing is in flight.
  // Returns true when nothing is: the caller must then call FinishNow(status)
  // (outside any lock OnDone takes).
  bool MarkStopped(const grpc::Status& status);
  // Finishes the call. gRPC may delete this object inside, so nothing may
  // follow; call only after deciding (under mu_) to move to kDone.
  void FinishNow(const grpc::Status& status) {
    metrics_->RecordRpc("Subscribe", status.error_code(), absl::Now() - start_);
    Finish(status);
  }

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  enum class Phase { kScheduled, kBuilding, kWriting, kDone };
  struct Watched {
    int kind;  // WatchKind
    std::string id;
    uint64_t sent_version = 0;
    // The figure that moves with time alone (a post's velocity, an
    // account's follower growth) as last sent, and the minute it was last
    // looked at.
    double sent_drift = 0;
    absl::Time drift_checked;
  };

  // Everything the constructor checks, in order.
  absl::Status Admit(absl::StatusOr<std::shared_ptr<const Principal>> who,
                     int max_per_token);
  // Runs on a worker: fills update_ with what changed since the last send.
  void Build();
  // Returns whether the update holds anything to send; sets denied_ when a
  // watched post turns out to be outside a scoped token's accounts.
  bool FillUpdate();
  // Takes the lent boards back out of update_ (they are not its to delete):
  // every board update_ holds is lent.
  void ReturnLentBoards();

  SubscriptionHub* hub_;
  ServerMetrics* const metrics_;
  const absl::Time start_ = absl::Now();
  const v1::SubscribeRequest request_;
  std::shared_ptr<const Principal> who_;
  bool counted_for_token_ = false;
  absl::Status denied_;  // set by the first build only
  absl::Duration min_interval_ = kDefaultMinInterval;
  uint64_t id_ = 0;
  bool registered_ = false;

  // Touched only by the one builder at a time (phase kBuilding).
  std::vector<Watched> watched_;
  uint64_t sent_global_version_ = 0;
  // engagements_per_second as last sent, and the second it was last looked
  // at: it moves with time alone.
  double sent_global_rate_ = 0;
  absl::Time global_rate_checked_;
  // The boards last sent; update_'s boards, when set, are these.
  SharedTopPosts sent_top_;
  SharedTrending sent_trending_;
  uint64_t seq_ = 0;
  absl::Time last_write_;
  // Untouched while a write is in flight. Its boards, when set, are the
  // shared ones above, lent: never mutated, and released rather than
  // deleted by ReturnLentBoards.
  v1::Update update_;

  absl::Mutex mu_;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kScheduled;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status stop_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_SUBSCRIPTION_H_
