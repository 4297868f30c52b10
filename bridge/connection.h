// One open websocket: reads request frames, answers unary calls, holds its
// subscriptions, and applies backpressure. Every method except the Deliver*
// ones, congested() and Post() runs on the connection's strand (websocketpp
// runs all of a connection's handlers there); Deliver* post to the strand.
#ifndef PULSE_BRIDGE_CONNECTION_H_
#define PULSE_BRIDGE_CONNECTION_H_

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "bridge/bridge_context.h"
#include "bridge/json_rpc.h"
#include "bridge/request_decoder.h"
#include "bridge/update_printer.h"
#include "bridge/ws_socket.h"
#include "bridge/ws_types.h"

namespace pulse::bridge {

class Upstream;

// A text frame with its header prepared, so that websocketpp queues it as
// it is instead of copying the payload into a frame of its own.
WsMessagePtr PrepareTextMessage(std::string payload);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `token` is forwarded as "authorization: Bearer <token>" when not empty.
  Connection(const BridgeContext* ctx, std::unique_ptr<WsSocket> socket,
             std::string token);

  // Strand: one incoming frame.
  void OnMessage(const WsMessagePtr& message);
  // Strand: the socket closed; cancels its subscriptions.
  void OnClose();
  // Strand: closes the socket with 1001 (going away) for shutdown.
  void CloseForShutdown();
  // Strand: sends a ping (the pong timeout closes the socket), and counts
  // the bytes queued on the socket now into the bridge's total.
  void Ping();

  // Any thread: runs `fn` on the strand (unless the io threads stopped).
  void Post(std::function<void()> fn);
  // Any thread: true while the socket's buffered bytes are over the bound.
  bool congested() const { return congested_.load(std::memory_order_acquire); }

  // Any thread (upstream `upstream_id`'s, under its lock): schedule on the
  // strand, for subscription `subscription_json` (the id of its Subscribe
  // request), the Subscribe result and the first snapshot (null: none yet)
  // ...
  void DeliverSubscribed(uint64_t upstream_id,
                         const std::string& subscription_json,
                         UpdateJson snapshot, uint64_t version);
  // ... one update of version `version`, framed for `subscription_json`
  // (the upstream posts at most one at a time per socket: the delivery
  // calls Upstream::TakeDelivery) ...
  void DeliverUpdate(uint64_t upstream_id, const std::string& subscription_json,
                     uint64_t version, WsMessagePtr frame);
  // ... or the end of the stream (an error answer when not yet acked).
  void DeliverEnded(uint64_t upstream_id, bool acked,
                    const std::string& subscription_json,
                    const absl::Status& status);

  // Strand: subscriptions held (pending ones included).
  int subscriptions() const { return static_cast<int>(subs_.size()); }

 private:
  struct Subscription {
    std::shared_ptr<Upstream> upstream;
    bool acked = false;
    // Updates were skipped: the next send must be the merged state.
    bool dirty = false;
    uint64_t last_version = 0;
  };

  // Keeps a request that came while congested, to handle once drained; a
  // client that sends more than --max_inflight_calls of them, or more than
  // --max_frame_bytes, is closed with 1008 instead.
  void Hold(const WsMessagePtr& message);
  // Closes the socket with 1008 (policy violation) for not reading, giving
  // `reason`; later frames and answers are dropped.
  void Shed(const std::string& reason);
  // Cancels this connection's unary calls still in flight: it reads no
  // answer any more. Touches the backend only when there are some.
  void CancelCalls();
  void Handle(const WsMessagePtr& message);
  void HandleUnary(DecodedRequest request);
  void HandleSubscribe(const DecodedRequest& request);
  void HandleUnsubscribe(const DecodedRequest& request);
  // The subscription `subscription_json` if it is fed by upstream
  // `upstream_id` (a delivery from a stream the socket left finds none).
  Subscription* Find(uint64_t upstream_id,
                     const std::string& subscription_json);
  // Sends the answer of a unary call, unless the socket has more than twice
  // its bound (Bound()) queued: then closes it (Shed).
  void SendAnswer(std::string frame);
  void SendText(std::string text);
  void SendMessage(const WsMessagePtr& message);
  // Sends the merged state of `sub`'s stream instead of what it skipped.
  void SendCatchUp(const std::string& subscription_json, Subscription* sub);
  // True while congested; detects the start of congestion, then polls
  // until the socket drains.
  bool Congested();
  // Runs OnDrainTimer `after` from now, instead of when it was to run.
  void ArmDrainTimer(std::chrono::milliseconds after);
  // The drain timer fired: checks a congested socket for having drained,
  // or counts again what another has queued (until nothing is).
  void OnDrainTimer();
  void CheckDrained();
  // Replaces this socket's part of the bridge's total (counters->
  // buffered_bytes) with the bytes queued on it now, and returns them.
  // Every send calls it.
  int64_t AccountBuffered();
  // The socket's bound now: --max_buffered_bytes, or its share of
  // --max_total_buffered_bytes while the total is over that.
  int64_t Bound() const;
  // Accounts the socket's queued bytes; true if they are over its bound:
  // --max_buffered_bytes, or its share of --max_total_buffered_bytes while
  // the total is over that (then sets *by_share if given).
  bool OverBound(bool* by_share);

  // Names this connection's unary calls to the backend (CancelCalls).
  const uint64_t id_;
  const BridgeContext* const ctx_;
  const std::unique_ptr<WsSocket> socket_;
  const std::string token_;
  std::atomic<bool> congested_{false};

  // Strand only. By subscription id (its Subscribe request's id as JSON).
  absl::flat_hash_map<std::string, Subscription> subs_;
  int inflight_ = 0;
  bool closed_ = false;
  // Requests that came while congested, and their payloads' bytes.
  std::deque<WsMessagePtr> held_;
  size_t held_bytes_ = 0;
  // Closed for not reading its answers: later frames are dropped.
  bool shed_ = false;
  // This socket's part of ctx_->counters->buffered_bytes.
  int64_t accounted_bytes_ = 0;
  boost::asio::steady_timer drain_timer_;
  bool drain_timer_armed_ = false;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_CONNECTION_H_
