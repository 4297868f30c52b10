#include "bridge/upstream.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bridge/backend.h"
#include "bridge/connection.h"
#include "bridge/json_rpc.h"
#include "bridge/update_merge.h"

namespace pulse::bridge {

Upstream::Upstream(uint64_t id, std::string key, UpstreamRegistry* registry,
                   Backend* backend, Counters* counters, UpdatePrinter* printer)
    : id_(id),
      key_(std::move(key)),
      registry_(registry),
      backend_(backend),
      counters_(counters),
      printer_(printer),
      ctx_(std::make_unique<grpc::ClientContext>()) {}

void Upstream::Start(const v1::SubscribeRequest& request,
                     const std::string& token, std::shared_ptr<Upstream> self) {
  {
    absl::MutexLock lock(&mu_);
    self_ = std::move(self);
  }
  if (!backend_->BeginStream()) {
    End(absl::UnavailableError("the bridge is shutting down"),
        /*counted=*/false);
    return;
  }
  counters_->upstreams_opened++;
  request_ = request;
  grpc::ClientContext* ctx = nullptr;
  {
    absl::MutexLock lock(&call_mu_);
    ctx = ctx_.get();  // stays until OnDone, which this call comes before
  }
  Backend::AddAuth(token, ctx);
  backend_->subscribe_stub(id_)->async()->Subscribe(ctx, &request_, this);
  StartRead(&incoming_);
  StartCall();
}

Upstream::AttachResult Upstream::TryAttach(
    const std::shared_ptr<Connection>& conn,
    const std::string& request_id_json) {
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return AttachResult::kClosed;
    // The socket's ids are unique: this is a new entry.
    Subscriber& sub = subscribers_[{conn.get(), request_id_json}];
    sub.conn = conn;
    sub.request_id_json = request_id_json;
    if (have_state_) {
      sub.acked = true;
      uint64_t version = 0;
      UpdateJson snapshot = CatchUpLocked(&version);
      conn->DeliverSubscribed(id_, request_id_json, snapshot, version);
    }
    // A new socket is not congested: a stopped stream reads again.
    read = UnpauseLocked();
  }
  if (read) ReadAgain();
  return AttachResult::kAttached;
}

void Upstream::Detach(const Connection* conn,
                      const std::string& request_id_json) {
  bool cancel = false;
  bool release = false;
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    subscribers_.erase(std::make_pair(conn, request_id_json));
    if (subscribers_.empty() && !closed_) {
      closed_ = true;
      cancel = true;
      release = UnpauseLocked();
    } else if (!closed_ && !AllCongestedLocked()) {
      read = UnpauseLocked();
    }
  }
  if (cancel) {
    registry_->Forget(key_, this);
    CancelCall();
  }
  if (release) RemoveHold();
  if (read) ReadAgain();
}

void Upstream::Resume() {
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    read = !closed_ && UnpauseLocked();
  }
  if (read) ReadAgain();
}

void Upstream::Cancel() {
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    release = UnpauseLocked();
  }
  CancelCall();
  if (release) RemoveHold();
}

bool Upstream::UnpauseLocked() {
  if (!paused_) return false;
  paused_ = false;
  counters_->paused_upstreams--;
  return true;
}

void Upstream::CancelCall() {
  absl::MutexLock lock(&call_mu_);
  if (ctx_ != nullptr) ctx_->TryCancel();
}

void Upstream::ReadAgain() {
  // The read is started before the hold goes, so the call cannot finish
  // (and its state go away) in between.
  StartRead(&incoming_);
  RemoveHold();
}

bool Upstream::TakeDelivery(const Connection* conn,
                            const std::string& request_id_json) {
  absl::MutexLock lock(&mu_);
  auto it = subscribers_.find(std::make_pair(conn, request_id_json));
  if (it == subscribers_.end()) return false;
  it->second.queued = false;
  return std::exchange(it->second.folded, false);
}

UpdateJson Upstream::CatchUp(uint64_t* version) {
  absl::MutexLock lock(&mu_);
  return CatchUpLocked(version);
}

UpdateJson Upstream::CatchUpLocked(uint64_t* version) {
  *version = version_;
  if (!have_state_) return nullptr;
  if (catchup_ == nullptr || catchup_version_ != version_) {
    v1::Update snapshot = state_;
    snapshot.set_snapshot(true);
    absl::StatusOr<std::string> json = printer_->Print(&snapshot);
    if (!json.ok()) return nullptr;
    catchup_ = std::make_shared<const std::string>(std::move(*json));
    catchup_version_ = version_;
  }
  return catchup_;
}

bool Upstream::AllCongestedLocked() {
  for (const auto& [key, sub] : subscribers_) {
    std::shared_ptr<Connection> conn = sub.conn.lock();
    if (conn != nullptr && !conn->congested()) return false;
  }
  return true;
}

void Upstream::OnReadDone(bool ok) {
  if (!ok) return;  // OnDone follows
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    MergeUpdate(incoming_, &state_);
    have_state_ = true;
    ++version_;
    absl::StatusOr<std::string> json = printer_->Print(&incoming_);
    UpdateJson message =
        json.ok() ? std::make_shared<const std::string>(std::move(*json))
                  : nullptr;
    // Framed once per subscription id: sockets that named the subscription
    // alike (a dashboard numbers its calls from 1, in the same order every
    // time) share one prepared message.
    absl::flat_hash_map<absl::string_view, WsMessagePtr> frames;
    for (auto& [key, sub] : subscribers_) {
      std::shared_ptr<Connection> conn = sub.conn.lock();
      if (conn == nullptr) continue;
      if (!sub.acked) {
        sub.acked = true;
        uint64_t version = 0;
        UpdateJson snapshot = incoming_.snapshot() && message != nullptr
                                  ? message
                                  : CatchUpLocked(&version);
        conn->DeliverSubscribed(id_, sub.request_id_json, snapshot, version_);
      } else if (message != nullptr) {
        if (sub.queued) {
          // The socket's strand is behind: at most one delivery waits per
          // socket, so a slow io thread cannot grow a queue of updates.
          sub.folded = true;
          counters_->updates_folded++;
        } else {
          sub.queued = true;
          WsMessagePtr& frame = frames[sub.request_id_json];
          if (frame == nullptr)
            frame =
                PrepareTextMessage(UpdateFrame(sub.request_id_json, *message));
          conn->DeliverUpdate(id_, sub.request_id_json, version_, frame);
        }
      }
    }
    if (!closed_ && AllCongestedLocked()) {
      // No read stays outstanding while paused: the hold keeps the call
      // (which could otherwise finish and free itself) until ReadAgain or a
      // cancel removes it. Taken under mu_, before anyone can unpause.
      AddHold();
      paused_ = true;
      counters_->paused_upstreams++;
      counters_->pauses++;
    } else {
      read = !closed_;
    }
  }
  if (read) StartRead(&incoming_);
}

void Upstream::OnDone(const grpc::Status& status) {
  absl::Status s = FromGrpc(status);
  if (s.ok()) s = absl::UnavailableError("the server ended the subscription");
  End(s, /*counted=*/true);
}

void Upstream::End(const absl::Status& status, bool counted) {
  registry_->Forget(key_, this);
  std::shared_ptr<Upstream> self;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (auto& [key, sub] : subscribers_) {
      std::shared_ptr<Connection> conn = sub.conn.lock();
      if (conn != nullptr)
        conn->DeliverEnded(id_, sub.acked, sub.request_id_json, status);
    }
    subscribers_.clear();
    self = std::move(self_);
  }
  {
    absl::MutexLock lock(&call_mu_);
    ctx_.reset();  // the backend still holds the channel: see ctx_
  }
  Backend* const backend = backend_;
  self.reset();  // may destroy this
  // Last: once counted out, shutdown may tear the backend down.
  if (counted) backend->EndStream();
}

absl::StatusOr<std::shared_ptr<Upstream>> UpstreamRegistry::Attach(
    const v1::SubscribeRequest& request, const std::string& token,
    const std::shared_ptr<Connection>& conn,
    const std::string& request_id_json) {
  // SubscribeRequest has no map fields, so its serialization is canonical.
  const std::string key =
      absl::StrCat(token.size(), ":", token, request.SerializeAsString());
  std::shared_ptr<Upstream> upstream;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the bridge is shutting down");
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
      if (it->second->TryAttach(conn, request_id_json) ==
          Upstream::AttachResult::kAttached)
        return it->second;
      // Ending: replaced below.
    }
    upstream = std::make_shared<Upstream>(next_id_++, key, this, backend_,
                                          counters_, &printer_);
    upstream->TryAttach(conn, request_id_json);
    by_key_[key] = upstream;
  }
  // Outside the lock: a failing start ends the stream, which calls Forget.
  upstream->Start(request, token, upstream);
  return upstream;
}

void UpstreamRegistry::Forget(const std::string& key,
                              const Upstream* upstream) {
  absl::MutexLock lock(&mu_);
  auto it = by_key_.find(key);
  if (it != by_key_.end() && it->second.get() == upstream) by_key_.erase(it);
}

void UpstreamRegistry::CancelAll() {
  std::vector<std::shared_ptr<Upstream>> all;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [key, upstream] : by_key_) all.push_back(upstream);
  }
  for (auto& upstream : all) upstream->Cancel();
}

int UpstreamRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(by_key_.size());
}

}  // namespace pulse::bridge
