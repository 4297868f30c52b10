#include "server/subscription_hub.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/log.h"
#include "server/subscription.h"

namespace pulse::server {
namespace {

// Boards slide with time even without ingest; a cached board is recomputed
// at least this often.
constexpr absl::Duration kBoardMaxAge = absl::Seconds(1);
// Distinct board requests cached at most.
constexpr size_t kMaxCachedBoards = 1024;

// A computed board as subscriptions share it; an error (the boards are not
// ready) as it is.
template <typename Board>
absl::StatusOr<std::shared_ptr<const SharedBoard<Board>>> Share(
    absl::StatusOr<Board> board) {
  if (!board.ok()) return board.status();
  return std::make_shared<const SharedBoard<Board>>(*std::move(board));
}

}  // namespace

SubscriptionHub::SubscriptionHub(const SubscriptionLimits& limits,
                                 ChangeTracker* changes, Boards* boards,
                                 const StatsReader* reader, WorkerPool* pool,
                                 const storage::Clock* clock)
    : limits_(limits),
      changes_(changes),
      boards_(boards),
      reader_(reader),
      pool_(pool),
      clock_(clock),
      timer_([this] {
        NameThisThread("pulse-hub-timer");
        RunTimer();
      }) {}

SubscriptionHub::~SubscriptionHub() {
  Shutdown();
  if (timer_.joinable()) timer_.join();
}

absl::Status SubscriptionHub::Register(Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("server shutting down");
  if (static_cast<int>(live_.size()) >= limits_.max_subscriptions) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server holds ", live_.size(),
                     " subscriptions, its limit (--max_subscriptions)"));
  }
  const uint64_t id = next_id_++;
  subscription->set_id(id);
  live_[id] = subscription;
  return absl::OkStatus();
}

void SubscriptionHub::Unregister(uint64_t id) {
  absl::MutexLock lock(&mu_);
  live_.erase(id);
}

void SubscriptionHub::Schedule(uint64_t id, absl::Time due) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  due_.push(Due{due, id});
}

int SubscriptionHub::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(live_.size());
}

void SubscriptionHub::Shutdown() {
  const grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                            "server shutting down");
  std::vector<Subscription*> to_finish;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    // A subscription MarkStopped hands us is finished by no one else, so it
    // outlives the lock; Finish runs outside it because OnDone takes mu_.
    for (auto& [id, sub] : live_) {
      if (sub->MarkStopped(status)) to_finish.push_back(sub);
    }
  }
  for (Subscription* sub : to_finish) sub->FinishNow(status);
}

void SubscriptionHub::RunTimer() {
  while (true) {
    std::vector<Subscription*> claimed;
    {
      absl::MutexLock lock(&mu_);
      auto due_or_stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (!due_.empty() && due_.top().at <= clock_->Now());
      };
      // Wake at the next due time (or within 50 ms, for a clock that jumps).
      const absl::Time next =
          due_.empty()
              ? absl::Now() + absl::Milliseconds(50)
              : std::min(absl::Now() + absl::Milliseconds(50),
                         absl::Now() + (due_.top().at - clock_->Now()));
      mu_.AwaitWithDeadline(absl::Condition(&due_or_stopping), next);
      if (stopping_) return;
      const absl::Time now = clock_->Now();
      while (!due_.empty() && due_.top().at <= now) {
        const uint64_t id = due_.top().id;
        due_.pop();
        auto it = live_.find(id);
        if (it != live_.end() && it->second->Claim())
          claimed.push_back(it->second);
      }
    }
    for (Subscription* sub : claimed) sub->Dispatch();
  }
}

absl::StatusOr<SharedTopPosts> SubscriptionHub::TopPosts(
    const v1::TopPostsRequest& request,
    const absl::flat_hash_set<std::string>* accounts) {
  const bool scoped = accounts != nullptr && !accounts->empty();
  // A scoped token's board holds only its accounts' posts: keyed by them
  // too, each length-prefixed, before the request's bytes.
  std::string key;
  if (scoped) {
    std::vector<absl::string_view> sorted(accounts->begin(), accounts->end());
    std::sort(sorted.begin(), sorted.end());
    for (absl::string_view account : sorted) {
      absl::StrAppend(&key, account.size(), ":", account);
    }
    key += '|';
  }
  key += request.SerializeAsString();
  const uint64_t version = changes_->boards_version();
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&board_mu_);
    auto it = top_cache_.find(key);
    if (it != top_cache_.end() && it->second.version == version &&
        now - it->second.computed < kBoardMaxAge) {
      boards_shared_.fetch_add(1, std::memory_order_relaxed);
      return it->second.response;
    }
  }
  absl::StatusOr<SharedTopPosts> shared =
      Share(scoped ? boards_->TopPosts(request, accounts)
                   : boards_->TopPosts(request));
  if (!shared.ok()) return shared;  // not ready: nothing to keep
  absl::MutexLock lock(&board_mu_);
  if (top_cache_.size() >= kMaxCachedBoards)
    top_cache_.clear();  // bound; refills on demand
  top_cache_[key] = Cached<SharedTopPosts>{now, version, *shared};
  return shared;
}

absl::StatusOr<v1::GlobalStats> SubscriptionHub::GlobalStats(
    uint64_t* version) {
  const uint64_t current = changes_->global_version();
  const absl::Time second =
      storage::BucketStart(storage::Resolution::kSecond, clock_->Now());
  absl::MutexLock lock(&global_mu_);
  if (global_.version != current || global_.computed != second) {
    absl::StatusOr<v1::GlobalStats> stats = reader_->GlobalStats();
    if (!stats.ok()) return stats.status();
    global_ = Cached<v1::GlobalStats>{second, current, *std::move(stats)};
  }
  *version = current;
  return global_.response;
}

absl::StatusOr<v1::PostStats> SubscriptionHub::PostStats(const std::string& id,
                                                         uint64_t version) {
  const absl::Time second =
      storage::BucketStart(storage::Resolution::kSecond, clock_->Now());
  {
    absl::MutexLock lock(&post_mu_);
    if (second > post_second_) {
      posts_.clear();
      post_second_ = second;
    }
    const auto it = posts_.find(id);
    // A read of a later version reflects this one too.
    if (it != posts_.end() && second == post_second_ &&
        it->second.version >= version) {
      post_reads_shared_.fetch_add(1, std::memory_order_relaxed);
      return it->second.response;
    }
  }
  post_reads_.fetch_add(1, std::memory_order_relaxed);
  absl::StatusOr<v1::PostStats> stats = reader_->PostStats(id);
  if (!stats.ok()) return stats;
  absl::MutexLock lock(&post_mu_);
  if (second == post_second_ && posts_.size() < kMaxCachedPosts) {
    const auto [it, inserted] = posts_.try_emplace(id);
    if (inserted || it->second.version < version) {
      it->second = {second, version, *stats};
    }
  }
  return stats;
}

absl::StatusOr<SharedTrending> SubscriptionHub::Trending(
    const v1::TrendingHashtagsRequest& request) {
  return Share(boards_->Trending(request));
}

}  // namespace pulse::server
