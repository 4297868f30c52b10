#include "bridge/connection.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bridge/backend.h"
#include "bridge/method_registry.h"
#include "bridge/request_decoder.h"
#include "bridge/upstream.h"

namespace pulse::bridge {
namespace {

// How often a congested socket is checked for having drained, and a socket
// that had more than kLingerBytes queued at its last send is counted again.
constexpr std::chrono::milliseconds kDrainPoll(10);

// A socket that a send left with kLingerBytes or fewer queued, a frame or two
// behind a write in flight, as one that keeps up has after most bursts, is
// counted again kLingerPoll later (or at its next send or ping) rather than
// kDrainPoll: polling every such socket at kDrainPoll cost the bridge 9-13 %
// more CPU under fan-out (PERFORMANCE.md).
constexpr int64_t kLingerBytes = 8 << 10;
constexpr std::chrono::milliseconds kLingerPoll(1000);

// How soon a socket with `buffered` bytes counted is counted again.
std::chrono::milliseconds RecountAfter(int64_t buffered) {
  return buffered > kLingerBytes ? kDrainPoll : kLingerPoll;
}

// Unique per connection of the process, never 0: names its unary calls.
uint64_t NextConnectionId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

WsMessagePtr PrepareTextMessage(std::string payload) {
  auto message =
      std::make_shared<WsMessage>(nullptr, websocketpp::frame::opcode::text);
  websocketpp::frame::basic_header header(websocketpp::frame::opcode::text,
                                          payload.size(),
                                          /*fin=*/true, /*mask=*/false);
  websocketpp::frame::extended_header extended(payload.size());
  message->set_header(websocketpp::frame::prepare_header(header, extended));
  message->get_raw_payload() = std::move(payload);
  message->set_prepared(true);
  return message;
}

Connection::Connection(const BridgeContext* ctx,
                       std::unique_ptr<WsSocket> socket, std::string token)
    : id_(NextConnectionId()),
      ctx_(ctx),
      socket_(std::move(socket)),
      token_(std::move(token)),
      drain_timer_(socket_->executor()) {}

void Connection::Post(std::function<void()> fn) {
  socket_->Post(std::move(fn));
}

void Connection::OnMessage(const WsMessagePtr& message) {
  if (closed_ || shed_) return;
  ctx_->counters->frames_received++;
  // Not websocketpp's pause_reading: its resume_reading starts a second
  // read when the one pending at the pause is still waiting (nothing came
  // meanwhile), and two reads at once on one socket corrupt its frames.
  if (!held_.empty() || Congested()) {
    Hold(message);
    return;
  }
  Handle(message);
}

void Connection::Hold(const WsMessagePtr& message) {
  const size_t bytes = message->get_payload().size();
  if (static_cast<int>(held_.size()) >= ctx_->options.max_inflight_calls ||
      held_bytes_ + bytes > ctx_->options.max_frame_bytes) {
    // Its answers would only add to what it does not read.
    Shed("requests keep coming while the answers are not read");
    return;
  }
  held_bytes_ += bytes;
  held_.push_back(message);
}

void Connection::Shed(const std::string& reason) {
  shed_ = true;
  held_.clear();
  held_bytes_ = 0;
  // Its close may wait behind what it does not read: its calls go now.
  CancelCalls();
  ctx_->counters->closed_unread++;
  socket_->Close(websocketpp::close::status::policy_violation, reason);
}

void Connection::Handle(const WsMessagePtr& message) {
  if (message->get_opcode() != websocketpp::frame::opcode::text) {
    SendText(ErrorFrame(
        "null", absl::InvalidArgumentError(
                    "binary frames are not supported; send JSON text frames")));
    return;
  }
  std::string id_json = "null";
  absl::StatusOr<DecodedRequest> request =
      DecodeRequest(*ctx_->methods, message->get_payload(), &id_json);
  if (!request.ok()) {
    SendText(ErrorFrame(id_json, request.status()));
    return;
  }
  switch (request->kind) {
    case DecodedRequest::Kind::kUnary:
      HandleUnary(std::move(*request));
      return;
    case DecodedRequest::Kind::kSubscribe:
      HandleSubscribe(*request);
      return;
    case DecodedRequest::Kind::kUnsubscribe:
      HandleUnsubscribe(*request);
      return;
  }
}

void Connection::HandleUnary(DecodedRequest request) {
  if (inflight_ >= ctx_->options.max_inflight_calls) {
    SendText(ErrorFrame(
        request.id_json,
        absl::ResourceExhaustedError(absl::StrCat(
            "at most ", ctx_->options.max_inflight_calls,
            " calls in flight per connection (--max_inflight_calls)"))));
    return;
  }
  ++inflight_;
  ctx_->counters->unary_calls++;
  std::weak_ptr<Connection> weak = weak_from_this();
  ctx_->backend->CallUnary(
      request.method->path, *request.input,
      ctx_->methods->NewOutput(*request.method), token_, id_,
      [weak, id = request.id_json](
          absl::StatusOr<std::unique_ptr<google::protobuf::Message>> response) {
        // gRPC thread: print here, send on the strand.
        std::string frame;
        if (response.ok()) {
          absl::StatusOr<std::string> json = MethodRegistry::ToJson(**response);
          frame = json.ok() ? ResultFrame(id, *json)
                            : ErrorFrame(id, json.status());
        } else {
          frame = ErrorFrame(id, response.status());
        }
        std::shared_ptr<Connection> self = weak.lock();
        if (self == nullptr) return;
        self->Post([self, frame = std::move(frame)]() mutable {
          --self->inflight_;
          self->SendAnswer(std::move(frame));
        });
      });
}

void Connection::CancelCalls() {
  // inflight_ counts down once an answer is back, so 0 means none is left.
  if (inflight_ > 0 && ctx_->backend != nullptr)
    ctx_->backend->CancelCalls(id_);
}

void Connection::HandleSubscribe(const DecodedRequest& request) {
  if (subs_.contains(request.id_json)) {
    SendText(ErrorFrame(
        request.id_json,
        absl::AlreadyExistsError(absl::StrCat(
            "subscription ", request.id_json,
            " is already open on this connection; Unsubscribe it first or "
            "give this Subscribe another id"))));
    return;
  }
  if (static_cast<int>(subs_.size()) >= ctx_->options.max_subscriptions) {
    SendText(ErrorFrame(
        request.id_json,
        absl::ResourceExhaustedError(absl::StrCat(
            "at most ", ctx_->options.max_subscriptions,
            " subscriptions per connection (--max_subscriptions)"))));
    return;
  }
  v1::SubscribeRequest subscribe;
  subscribe.CopyFrom(*request.input);
  absl::StatusOr<std::shared_ptr<Upstream>> upstream = ctx_->upstreams->Attach(
      subscribe, token_, shared_from_this(), request.id_json);
  if (!upstream.ok()) {
    SendText(ErrorFrame(request.id_json, upstream.status()));
    return;
  }
  // Deliveries are posted to this strand, so they run after this insert.
  subs_[request.id_json].upstream = *upstream;
}

void Connection::HandleUnsubscribe(const DecodedRequest& request) {
  auto it = subs_.find(request.subscription_json);
  if (it == subs_.end()) {
    SendText(ErrorFrame(request.id_json,
                        absl::NotFoundError(absl::StrCat(
                            "no subscription ", request.subscription_json,
                            " on this connection"))));
    return;
  }
  std::shared_ptr<Upstream> upstream = std::move(it->second.upstream);
  const bool acked = it->second.acked;
  subs_.erase(it);
  upstream->Detach(this, request.subscription_json);
  // Its Subscribe is still unanswered, and the confirmation (posted or not)
  // will find no subscription: every request gets an answer.
  if (!acked) {
    SendText(ErrorFrame(
        request.subscription_json,
        absl::CancelledError(
            "unsubscribed before the subscription was established")));
  }
  SendText(ResultFrame(request.id_json,
                       SubscriptionResult(request.subscription_json)));
}

Connection::Subscription* Connection::Find(
    uint64_t upstream_id, const std::string& subscription_json) {
  if (closed_) return nullptr;
  auto it = subs_.find(subscription_json);
  if (it == subs_.end() || it->second.upstream->id() != upstream_id)
    return nullptr;
  return &it->second;
}

void Connection::DeliverSubscribed(uint64_t upstream_id,
                                   const std::string& subscription_json,
                                   UpdateJson snapshot, uint64_t version) {
  Post([self = shared_from_this(), upstream_id, subscription_json,
        snapshot = std::move(snapshot), version] {
    Subscription* sub = self->Find(upstream_id, subscription_json);
    if (sub == nullptr) return;
    sub->acked = true;
    self->SendText(
        ResultFrame(subscription_json, SubscriptionResult(subscription_json)));
    if (snapshot == nullptr || self->Congested()) {
      sub->dirty = true;
      return;
    }
    self->SendText(UpdateFrame(subscription_json, *snapshot));
    sub->last_version = version;
  });
}

void Connection::DeliverUpdate(uint64_t upstream_id,
                               const std::string& subscription_json,
                               uint64_t version, WsMessagePtr frame) {
  Post([self = shared_from_this(), upstream_id, subscription_json, version,
        frame = std::move(frame)] {
    Subscription* sub = self->Find(upstream_id, subscription_json);
    if (sub == nullptr) return;
    // Updates that came while this one waited were not queued.
    if (sub->upstream->TakeDelivery(self.get(), subscription_json))
      sub->dirty = true;
    if (!sub->acked) return;
    if (version <= sub->last_version && !sub->dirty)
      return;  // a catch-up covered it
    if (self->Congested()) {
      sub->dirty = true;
      self->ctx_->counters->updates_skipped++;
      return;
    }
    if (sub->dirty) {
      self->SendCatchUp(subscription_json, sub);
      return;
    }
    self->SendMessage(frame);
    sub->last_version = version;
    self->ctx_->counters->updates_sent++;
  });
}

void Connection::DeliverEnded(uint64_t upstream_id, bool acked,
                              const std::string& subscription_json,
                              const absl::Status& status) {
  Post([self = shared_from_this(), upstream_id, acked, subscription_json,
        status] {
    if (self->Find(upstream_id, subscription_json) == nullptr) return;
    self->subs_.erase(subscription_json);
    self->SendText(acked ? SubscriptionEndedFrame(subscription_json, status)
                         : ErrorFrame(subscription_json, status));
  });
}

void Connection::SendAnswer(std::string frame) {
  if (closed_ || shed_) return;
  // Its call started while the socket was within its bound, but the answers
  // of up to --max_inflight_calls calls may come back at once, whatever
  // their size: past twice the bound, the client is not reading them.
  if (AccountBuffered() > 2 * Bound()) {
    Shed("answers are not read");
    return;
  }
  SendText(std::move(frame));
  // Over its bound now, the socket's next requests wait until it drains.
  Congested();
}

void Connection::SendCatchUp(const std::string& subscription_json,
                             Subscription* sub) {
  uint64_t version = 0;
  UpdateJson state = sub->upstream->CatchUp(&version);
  if (state == nullptr) return;
  if (version <= sub->last_version) {  // already sent
    sub->dirty = false;
    return;
  }
  SendText(UpdateFrame(subscription_json, *state));
  sub->last_version = version;
  sub->dirty = false;
  ctx_->counters->catchups_sent++;
}

void Connection::SendText(std::string text) {
  SendMessage(PrepareTextMessage(std::move(text)));
}

void Connection::SendMessage(const WsMessagePtr& message) {
  socket_->Send(message);
  const int64_t buffered = AccountBuffered();
  int64_t seen =
      ctx_->counters->max_buffered_seen.load(std::memory_order_relaxed);
  while (buffered > seen &&
         !ctx_->counters->max_buffered_seen.compare_exchange_weak(seen,
                                                                  buffered)) {
  }
  // Bytes held behind a write in flight would stay counted until the next
  // send or ping (seconds away on a quiet socket): look again, soon when
  // they are many. A socket whose write starts at once queues nothing.
  if (buffered > 0 && !drain_timer_armed_)
    ArmDrainTimer(RecountAfter(buffered));
}

int64_t Connection::AccountBuffered() {
  const int64_t buffered = static_cast<int64_t>(socket_->BufferedAmount());
  // A socket that keeps up has nothing queued: it touches no shared state.
  if (buffered != accounted_bytes_) {
    ctx_->counters->buffered_bytes.fetch_add(buffered - accounted_bytes_,
                                             std::memory_order_relaxed);
    accounted_bytes_ = buffered;
  }
  return buffered;
}

int64_t Connection::Bound() const {
  const BridgeOptions& o = ctx_->options;
  const auto own = static_cast<int64_t>(o.max_buffered_bytes);
  if (ctx_->counters->buffered_bytes.load(std::memory_order_relaxed) <=
      static_cast<int64_t>(o.max_total_buffered_bytes))
    return own;
  const auto share = static_cast<int64_t>(
      o.max_total_buffered_bytes / static_cast<size_t>(o.max_connections));
  return std::min(own, share);
}

bool Connection::OverBound(bool* by_share) {
  const int64_t buffered = AccountBuffered();
  if (buffered > static_cast<int64_t>(ctx_->options.max_buffered_bytes))
    return true;
  if (buffered <= Bound()) return false;
  if (by_share != nullptr) *by_share = true;
  return true;
}

bool Connection::Congested() {
  if (congested_.load(std::memory_order_relaxed)) return true;
  bool by_share = false;
  if (!OverBound(&by_share)) return false;
  if (by_share) ctx_->counters->budget_holds++;
  congested_.store(true, std::memory_order_release);
  ArmDrainTimer(kDrainPoll);
  return true;
}

void Connection::ArmDrainTimer(std::chrono::milliseconds after) {
  drain_timer_armed_ = true;
  drain_timer_.expires_after(after);
  drain_timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->Post([self] { self->OnDrainTimer(); });
      });
}

void Connection::OnDrainTimer() {
  drain_timer_armed_ = false;
  if (closed_) return;
  if (congested_.load(std::memory_order_relaxed)) {
    CheckDrained();
    return;
  }
  if (Congested()) return;  // went over its bound: polled until it drains
  if (accounted_bytes_ > 0) ArmDrainTimer(RecountAfter(accounted_bytes_));
}

void Connection::CheckDrained() {
  if (closed_) return;
  if (OverBound(nullptr)) {
    ArmDrainTimer(kDrainPoll);
    return;
  }
  congested_.store(false, std::memory_order_release);
  // The requests that came meanwhile, in order, until their answers fill
  // the socket again (the next drain goes on from there).
  while (!held_.empty()) {
    const WsMessagePtr message = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= message->get_payload().size();
    Handle(message);
    if (closed_ || Congested()) return;
  }
  for (auto& [id, sub] : subs_) {
    if (sub.acked && sub.dirty) SendCatchUp(id, &sub);
  }
  // After clearing congested_: a stream that stopped because of this socket
  // sees it as ready again.
  for (auto& [id, sub] : subs_) sub.upstream->Resume();
}

void Connection::OnClose() {
  if (closed_) return;
  closed_ = true;
  drain_timer_.cancel();
  CancelCalls();
  ctx_->counters->buffered_bytes.fetch_sub(accounted_bytes_,
                                           std::memory_order_relaxed);
  accounted_bytes_ = 0;
  for (auto& [id, sub] : subs_) sub.upstream->Detach(this, id);
  subs_.clear();
}

void Connection::CloseForShutdown() {
  OnClose();
  socket_->Close(websocketpp::close::status::going_away,
                 "bridge shutting down");
}

void Connection::Ping() {
  if (closed_) return;
  // A socket that drained with no update since still counts what it last
  // saw queued; this is its next look.
  AccountBuffered();
  socket_->Ping();
}

}  // namespace pulse::bridge
