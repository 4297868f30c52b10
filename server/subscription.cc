#include "server/subscription.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/analytics_service.h"
#include "server/proto_time.h"
#include "server/scope.h"
#include "server/subscription_hub.h"
#include "server/validation.h"
#include "storage/status_macros.h"

namespace pulse::server {
namespace {

const grpc::Status kCancelled(grpc::StatusCode::CANCELLED,
                              "subscription cancelled");

// Takes `board` as the one to send when it differs (time stamp aside) from
// `sent`, the one last sent; returns whether it did. A board not ready yet
// (being rebuilt after a restart) is left out, even from a snapshot, and
// sent once it is.
template <typename Shared>
bool TakeIfChanged(absl::StatusOr<Shared> board, bool snapshot, Shared* sent) {
  if (!board.ok()) return false;
  if (!snapshot && *sent != nullptr &&
      (*board == *sent || (*board)->fingerprint == (*sent)->fingerprint)) {
    return false;
  }
  *sent = *std::move(board);
  return true;
}

}  // namespace

absl::Status ValidateSubscribe(const v1::SubscribeRequest& request,
                               const SubscriptionHub& hub) {
  const int items = request.post_ids_size() + request.account_ids_size() +
                    request.hashtags_size();
  if (items > hub.limits().max_watched_items) {
    return absl::InvalidArgumentError(absl::StrCat(
        "watches ", items, " posts, accounts and hashtags; at most ",
        hub.limits().max_watched_items, " (--max_subscription_items)"));
  }
  if (items == 0 && !request.global() && !request.has_top_posts() &&
      !request.has_trending()) {
    return absl::InvalidArgumentError(
        "nothing to watch: set post_ids, account_ids, hashtags, global, "
        "top_posts "
        "or trending");
  }
  for (int i = 0; i < request.post_ids_size(); ++i) {
    absl::Status s =
        ValidateId(request.post_ids(i), absl::StrCat("post_ids[", i, "]"));
    if (!s.ok()) return s;
  }
  for (int i = 0; i < request.account_ids_size(); ++i) {
    absl::Status s = ValidateId(request.account_ids(i),
                                absl::StrCat("account_ids[", i, "]"));
    if (!s.ok()) return s;
  }
  for (int i = 0; i < request.hashtags_size(); ++i) {
    absl::Status s = ValidateId(HashtagName(request.hashtags(i)),
                                absl::StrCat("hashtags[", i, "]"));
    if (!s.ok()) return s;
  }
  if (request.has_top_posts()) {
    absl::Status s =
        ValidateTopPosts(request.top_posts(), hub.windows(), "top_posts.");
    if (!s.ok()) return s;
  }
  if (request.has_trending()) {
    absl::Status s =
        ValidateTrending(request.trending(), hub.windows(), "trending.");
    if (!s.ok()) return s;
  }
  if (request.has_min_interval()) {
    const absl::Duration d = FromProto(request.min_interval());
    if (d < kMinMinInterval || d > kMaxMinInterval) {
      return absl::InvalidArgumentError(
          absl::StrCat("min_interval: ", absl::FormatDuration(d),
                       " is outside [50ms, 60s]"));
    }
  }
  return absl::OkStatus();
}

absl::Status Subscription::Admit(
    absl::StatusOr<std::shared_ptr<const Principal>> who, int max_per_token) {
  if (!who.ok()) return who.status();
  who_ = *std::move(who);
  PULSE_RETURN_IF_ERROR(ValidateSubscribe(request_, *hub_));
  PULSE_RETURN_IF_ERROR(CheckSubscribeScope(*who_, request_));
  if (who_->state != nullptr && max_per_token > 0) {
    if (who_->state->subscriptions.fetch_add(1) >= max_per_token) {
      who_->state->subscriptions.fetch_sub(1);
      return absl::ResourceExhaustedError(
          absl::StrCat("this token has ", max_per_token,
                       " subscriptions open, the most allowed "
                       "(--max_subscriptions_per_token)"));
    }
    counted_for_token_ = true;
  }
  return hub_->Register(this);
}

Subscription::Subscription(SubscriptionHub* hub, ServerMetrics* metrics,
                           const v1::SubscribeRequest* request,
                           absl::StatusOr<std::shared_ptr<const Principal>> who,
                           int max_per_token)
    : hub_(hub), metrics_(metrics), request_(*request) {
  if (absl::Status s = Admit(std::move(who), max_per_token); !s.ok()) {
    {
      absl::MutexLock lock(&mu_);
      phase_ = Phase::kDone;
    }
    FinishNow(ToGrpcStatus(s));
    return;
  }
  registered_ = true;
  if (request_.has_min_interval())
    min_interval_ = FromProto(request_.min_interval());
  // An id asked for twice is watched, and sent, once ("#news" is "news").
  absl::flat_hash_set<std::pair<int, std::string>> asked;
  auto watch = [this, &asked](WatchKind kind, const std::string& id) {
    if (!asked.emplace(static_cast<int>(kind), id).second) return;
    hub_->changes()->Watch(kind, id);
    Watched& w = watched_.emplace_back();
    w.kind = static_cast<int>(kind);
    w.id = id;
  };
  for (const std::string& id : request_.post_ids()) watch(WatchKind::kPost, id);
  for (const std::string& id : request_.account_ids())
    watch(WatchKind::kAccount, id);
  for (const std::string& id : request_.hashtags())
    watch(WatchKind::kHashtag, HashtagName(id));
  hub_->Schedule(id_, absl::InfinitePast());  // the snapshot, now
}

bool Subscription::Claim() {
  absl::MutexLock lock(&mu_);
  if (phase_ != Phase::kScheduled || stopping_) return false;
  phase_ = Phase::kBuilding;
  return true;
}

void Subscription::Dispatch() {
  SubscriptionHub* hub = hub_;
  const uint64_t id = id_;
  const absl::Time retry = hub->clock()->Now() + min_interval_;
  if (hub->pool()->SubmitBackground([this] { Build(); })) return;
  // Workers are saturated: try again one interval later.
  bool finish = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      phase_ = Phase::kDone;
      finish = true;
      status = stop_status_;
    } else {
      phase_ = Phase::kScheduled;
    }
  }
  if (finish) return FinishNow(status);
  hub->Schedule(id, retry);  // `this` may be gone: only locals from here
}

bool Subscription::FillUpdate() {
  const bool snapshot = seq_ == 0;
  const StatsReader& reader = *hub_->reader();
  ChangeTracker& changes = *hub_->changes();
  ReturnLentBoards();
  update_.Clear();
  bool any = snapshot;
  if (who_->revoked()) {
    denied_ = RevokedError("Subscribe");
    return false;
  }

  if (snapshot && who_->scoped()) {
    for (int i = 0; i < request_.post_ids_size(); ++i) {
      absl::StatusOr<v1::PostStats> stats =
          reader.PostStats(request_.post_ids(i));
      denied_ = stats.ok() ? CheckPost(*who_, *stats,
                                       absl::StrCat("post_ids[", i, "]"))
                           : stats.status();
      if (!denied_.ok()) return false;
    }
  }

  // Versions are read before the figures: a change racing with this build
  // bumps the version again and is sent next time, never lost. Figures that
  // move with time alone are looked at again once a minute (velocity,
  // follower growth) or second (the global rate) and sent if they moved.
  const absl::Time now = hub_->clock()->Now();
  const absl::Time minute =
      storage::BucketStart(storage::Resolution::kMinute, now);
  for (Watched& w : watched_) {
    const auto kind = static_cast<WatchKind>(w.kind);
    const uint64_t version = changes.Version(kind, w.id);
    const bool changed = snapshot || version != w.sent_version;
    const bool drift_due =
        kind != WatchKind::kHashtag && minute != w.drift_checked;
    if (!changed && !drift_due) continue;
    if (changed && !snapshot && version > w.sent_version + 1) {
      hub_->AddMerged(version - w.sent_version - 1);
    }
    if (kind == WatchKind::kPost) {
      absl::StatusOr<v1::PostStats> stats = hub_->PostStats(w.id, version);
      if (!stats.ok()) continue;
      w.drift_checked = minute;
      const double drift = stats->velocity_per_minute();
      if (!changed && drift == w.sent_drift) continue;
      w.sent_drift = drift;
      *update_.add_posts() = *std::move(stats);
    } else if (kind == WatchKind::kAccount) {
      v1::GetAccountStatsRequest request;
      request.set_account_id(w.id);
      absl::StatusOr<v1::AccountStats> stats = reader.AccountStats(request);
      if (!stats.ok()) continue;
      w.drift_checked = minute;
      const auto drift = static_cast<double>(stats->follower_growth());
      if (!changed && drift == w.sent_drift) continue;
      w.sent_drift = drift;
      *update_.add_accounts() = *std::move(stats);
    } else {
      absl::StatusOr<v1::HashtagStats> stats = reader.HashtagStats(w.id);
      if (!stats.ok()) continue;
      *update_.add_hashtags() = *std::move(stats);
    }
    w.sent_version = version;
    any = true;
  }
  if (request_.global()) {
    const bool changed =
        snapshot || changes.global_version() != sent_global_version_;
    const absl::Time second =
        storage::BucketStart(storage::Resolution::kSecond, now);
    if (changed || second != global_rate_checked_) {
      uint64_t version = 0;
      absl::StatusOr<v1::GlobalStats> stats = hub_->GlobalStats(&version);
      if (stats.ok()) {
        global_rate_checked_ = second;
        const double rate = stats->engagements_per_second();
        if (changed || rate != sent_global_rate_) {
          sent_global_rate_ = rate;
          *update_.mutable_global() = *std::move(stats);
          sent_global_version_ = version;
          any = true;
        }
      }
    }
  }
  // The shared boards are lent to update_, not copied (the only way a board
  // gets into it); ReturnLentBoards takes them back before update_ is
  // cleared or destroyed.
  if (request_.has_top_posts() &&
      TakeIfChanged(hub_->TopPosts(request_.top_posts(), &who_->accounts),
                    snapshot, &sent_top_)) {
    update_.unsafe_arena_set_allocated_top_posts(
        const_cast<v1::TopPostsResponse*>(&sent_top_->board));
    any = true;
  }
  if (request_.has_trending() &&
      TakeIfChanged(hub_->Trending(request_.trending()), snapshot,
                    &sent_trending_)) {
    update_.unsafe_arena_set_allocated_trending(
        const_cast<v1::TrendingHashtagsResponse*>(&sent_trending_->board));
    any = true;
  }
  if (!any) return false;
  update_.set_seq(++seq_);
  update_.set_snapshot(snapshot);
  *update_.mutable_time() = ToProto(hub_->clock()->Now());
  return true;
}

void Subscription::ReturnLentBoards() {
  if (update_.has_top_posts()) update_.unsafe_arena_release_top_posts();
  if (update_.has_trending()) update_.unsafe_arena_release_trending();
}

void Subscription::Build() {
  const bool send = FillUpdate();
  SubscriptionHub* hub = hub_;
  const uint64_t id = id_;
  const absl::Time now = hub->clock()->Now();
  const absl::Time next = now + min_interval_;
  if (send) last_write_ = now;
  bool finish = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || !denied_.ok()) {
      phase_ = Phase::kDone;
      finish = true;
      status = stopping_ ? stop_status_ : ToGrpcStatus(denied_);
    } else {
      phase_ = send ? Phase::kWriting : Phase::kScheduled;
    }
  }
  if (finish) return FinishNow(status);
  if (send) {
    StartWrite(&update_);  // kWriting: nothing finishes us until OnWriteDone
  } else {
    hub->Schedule(id, next);  // `this` may be gone: only locals from here
  }
}

void Subscription::OnWriteDone(bool ok) {
  SubscriptionHub* hub = hub_;
  const uint64_t id = id_;
  if (ok) hub->AddSent();
  const absl::Time next =
      std::max(last_write_ + min_interval_, hub->clock()->Now());
  bool finish = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (!ok || stopping_) {
      phase_ = Phase::kDone;
      finish = true;
      status = ok ? stop_status_ : kCancelled;
    } else {
      phase_ = Phase::kScheduled;
    }
  }
  if (finish) return FinishNow(status);
  hub->Schedule(id, next);  // `this` may be gone: only locals from here
}

bool Subscription::MarkStopped(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || phase_ == Phase::kDone) return false;
  stopping_ = true;
  stop_status_ = status;
  if (phase_ != Phase::kScheduled) return false;  // in-flight work finishes
  phase_ = Phase::kDone;
  return true;
}

void Subscription::OnCancel() {
  if (MarkStopped(kCancelled)) FinishNow(kCancelled);
}

void Subscription::OnDone() {
  if (counted_for_token_) who_->state->subscriptions.fetch_sub(1);
  if (registered_) {
    hub_->Unregister(id_);
    for (const Watched& w : watched_) {
      hub_->changes()->Unwatch(static_cast<WatchKind>(w.kind), w.id);
    }
  }
  delete this;
}

}  // namespace pulse::server
