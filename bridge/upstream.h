// Shared Subscribe streams to pulse-server. Identical Subscribe requests
// (same params, same auth token) from any number of sockets share one
// upstream gRPC stream; each Update it reads is merged into the stream's full
// state, printed to JSON once (its shared parts once for all streams:
// UpdatePrinter), framed once per subscription id its sockets gave it (each
// names the subscription by its Subscribe's id) and handed to every socket as
// a prepared message. A socket that is congested skips updates and
// later gets the merged state as one snapshot; the stream stops reading (so the
// server merges for it) only while every one of its sockets is congested, so a
// slow socket never slows the others.
//
// Threads: OnReadDone/OnDone run on gRPC threads; Attach/Detach/Resume/
// CatchUp on io threads. All state is under the stream's mutex; deliveries to
// sockets are posted (never run) under it, which keeps their order.
// Lock order: UpstreamRegistry::mu_ before Upstream::mu_.
#ifndef PULSE_BRIDGE_UPSTREAM_H_
#define PULSE_BRIDGE_UPSTREAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "bridge/bridge_context.h"
#include "bridge/update_printer.h"
#include "bridge/ws_types.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.grpc.pb.h"

namespace pulse::bridge {

class Backend;
class Connection;
class UpstreamRegistry;

// One Subscribe stream and the sockets it feeds.
class Upstream : public grpc::ClientReadReactor<v1::Update> {
 public:
  enum class AttachResult { kAttached, kClosed };

  Upstream(uint64_t id, std::string key, UpstreamRegistry* registry,
           Backend* backend, Counters* counters, UpdatePrinter* printer);

  // Unique within the bridge process; deliveries carry it, so that a socket
  // can tell them from those of a stream it left.
  uint64_t id() const { return id_; }

  // Starts the stream; `self` keeps this alive until OnDone. Never blocks.
  void Start(const v1::SubscribeRequest& request, const std::string& token,
             std::shared_ptr<Upstream> self);

  // Adds `conn`'s subscription `request_id_json` (the id of its Subscribe
  // request, as JSON; one socket may hold the same stream under several
  // ids). Once the stream has state, `conn` gets (on its strand) the
  // Subscribe result and a snapshot; if the stream fails first, an error
  // answer. kClosed when the stream is ending (start a new one). Never
  // blocks.
  AttachResult TryAttach(const std::shared_ptr<Connection>& conn,
                         const std::string& request_id_json);
  // Removes `conn`'s subscription `request_id_json`; the last one out
  // cancels the stream. Never blocks.
  void Detach(const Connection* conn, const std::string& request_id_json);
  // A socket drained: read again if reading was stopped. Any thread.
  void Resume();
  // The merged state as an update's JSON (snapshot true) and its version;
  // null before the first message. Printed once per version.
  UpdateJson CatchUp(uint64_t* version);
  // Cancels the stream (shutdown); subscribers get its end. Never blocks.
  void Cancel();
  // Called by the queued delivery of `conn`'s subscription `request_id_json`
  // when it runs: from then on the next update is posted again. True if
  // updates came while it was queued (they were not posted: send the merged
  // state, CatchUp, instead).
  bool TakeDelivery(const Connection* conn, const std::string& request_id_json);

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  struct Subscriber {
    std::weak_ptr<Connection> conn;
    std::string request_id_json;
    bool acked = false;
    // A delivery is posted to the socket's strand and has not run yet.
    bool queued = false;
    // Updates arrived while one was queued: the socket needs the merged
    // state rather than the queued update.
    bool folded = false;
  };

  // Tells every subscriber the stream ended; releases the stream.
  void End(const absl::Status& status, bool counted);
  UpdateJson CatchUpLocked(uint64_t* version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True when no subscriber can take an update now.
  bool AllCongestedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leaves the paused state; true if it was paused, and then the caller must
  // ReadAgain() or RemoveHold() once outside the lock.
  bool UnpauseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the next read and drops the pause's hold.
  void ReadAgain();
  // Cancels the call if it is not done yet. Never blocks.
  void CancelCall();

  const uint64_t id_;
  const std::string key_;
  UpstreamRegistry* const registry_;
  Backend* const backend_;
  Counters* const counters_;
  UpdatePrinter* const printer_;

  // The call's context. End() destroys it (under call_mu_, as TryCancel may
  // race it) before the stream is counted out: a context holds a reference
  // to the channel, and the channel's last reference must be dropped by the
  // backend's owner, never on a gRPC callback thread (gRPC 1.51 then tears
  // down the callback queue under the thread that is running it).
  absl::Mutex call_mu_;
  std::unique_ptr<grpc::ClientContext> ctx_ ABSL_GUARDED_BY(call_mu_);
  v1::SubscribeRequest request_;
  v1::Update incoming_;  // touched only by the one read in flight

  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<const Connection*, std::string>, Subscriber>
      subscribers_ ABSL_GUARDED_BY(mu_);
  v1::Update state_ ABSL_GUARDED_BY(mu_);
  bool have_state_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  UpdateJson catchup_ ABSL_GUARDED_BY(mu_);
  uint64_t catchup_version_ ABSL_GUARDED_BY(mu_) = 0;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  // Cancelled or ended: no one may attach any more.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<Upstream> self_ ABSL_GUARDED_BY(mu_);
};

// The live upstream streams by request. Thread-safe.
class UpstreamRegistry {
 public:
  UpstreamRegistry(Backend* backend, Counters* counters)
      : backend_(backend), counters_(counters) {}

  // Attaches `conn` to the stream of (request, token) as subscription
  // `request_id_json` (unique on `conn`), starting a stream if there is
  // none. UNAVAILABLE when stopping. Never blocks.
  absl::StatusOr<std::shared_ptr<Upstream>> Attach(
      const v1::SubscribeRequest& request, const std::string& token,
      const std::shared_ptr<Connection>& conn,
      const std::string& request_id_json);
  // Drops `key` if it still maps to `upstream`.
  void Forget(const std::string& key, const Upstream* upstream);
  // Refuses new streams and cancels all live ones.
  void CancelAll();
  // Live streams.
  int size() const;
  // Prints every stream's updates (shared parts once).
  const UpdatePrinter& printer() const { return printer_; }

 private:
  Backend* const backend_;
  Counters* const counters_;
  UpdatePrinter printer_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, std::shared_ptr<Upstream>> by_key_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_UPSTREAM_H_
