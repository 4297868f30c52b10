// The registry and clock of live subscriptions.
#ifndef PULSE_SERVER_SUBSCRIPTION_HUB_H_
#define PULSE_SERVER_SUBSCRIPTION_HUB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pulse/v1/analytics.pb.h"
#include "server/boards.h"
#include "server/change_tracker.h"
#include "server/stats_reader.h"
#include "server/worker_pool.h"

namespace pulse::server {

class Subscription;

// A board as subscriptions send it, never changed once made: one is shared
// by every subscription that asks for the same board, which lends it to its
// updates instead of copying it (at 10,000 subscriptions, copying, comparing
// and destroying a board per update was ~9 % of the server's CPU).
template <typename Board>
struct SharedBoard {
  explicit SharedBoard(Board b) : board(std::move(b)) {
    google::protobuf::Timestamp as_of = board.as_of();
    board.clear_as_of();
    fingerprint = board.SerializeAsString();
    *board.mutable_as_of() = std::move(as_of);
  }
  Board board;
  // Its bytes without `as_of`: two boards with the same fingerprint rank
  // the same entries with the same figures.
  std::string fingerprint;
};
using SharedTopPosts = std::shared_ptr<const SharedBoard<v1::TopPostsResponse>>;
using SharedTrending =
    std::shared_ptr<const SharedBoard<v1::TrendingHashtagsResponse>>;

// Limits of live subscriptions.
struct SubscriptionLimits {
  // Most subscriptions the server holds at once.
  int max_subscriptions = 20'000;
  // Most posts + accounts + hashtags one subscription may watch.
  int max_watched_items = 1'000;
};

// Holds every live subscription and wakes each when its next update is due,
// on one timer thread; updates are built on the worker pool. Boards are
// computed once per distinct request and change, and shared between the
// subscriptions that watch the same board. Thread-safe.
class SubscriptionHub {
 public:
  // None of the pointers is owned; all outlive the hub.
  SubscriptionHub(const SubscriptionLimits& limits, ChangeTracker* changes,
                  Boards* boards, const StatsReader* reader, WorkerPool* pool,
                  const storage::Clock* clock);
  // Requires Shutdown to have been called.
  ~SubscriptionHub();

  // Adds a subscription; RESOURCE_EXHAUSTED past max_subscriptions or after
  // Shutdown.
  absl::Status Register(Subscription* subscription);
  // Removes a subscription (from its OnDone).
  void Unregister(uint64_t id);
  // Wakes subscription `id` at `due`.
  void Schedule(uint64_t id, absl::Time due);

  // Ends every stream (UNAVAILABLE) and stops the timer. Streams in the
  // middle of a write or build finish when it completes.
  void Shutdown();

  // Live subscriptions now.
  int size() const;

  // The board for `request`, shared by identical requests: recomputed only
  // when ingest changed the windows or a second has passed (windows slide).
  // A board limited to `accounts` (a scoped token's) is shared by the
  // requests limited to the same accounts.
  // UNAVAILABLE while the boards are rebuilt after a restart.
  absl::StatusOr<SharedTopPosts> TopPosts(
      const v1::TopPostsRequest& request,
      const absl::flat_hash_set<std::string>* accounts = nullptr);
  // The trending board; Boards itself keeps each answer until its windows
  // change.
  absl::StatusOr<SharedTrending> Trending(
      const v1::TrendingHashtagsRequest& request);

  // The global totals, shared by every subscription that watches them: read
  // from the store at most once per change of them and per second (the rate
  // covers whole seconds). `*version` is set to the global version the
  // answer reflects at least (read before the figures).
  absl::StatusOr<v1::GlobalStats> GlobalStats(uint64_t* version)
      ABSL_LOCKS_EXCLUDED(global_mu_);

  // Post `id`'s stats for a subscription that read its change version
  // `version` before calling, shared by every subscription watching the
  // post: read from the store at most once per version and second (as
  // GlobalStats, but without holding a lock across the read: two builds may
  // both read). Only the current second's reads are kept, at most
  // kMaxCachedPosts of them. A hot post's counters hold one merge operand
  // per ingested batch, which every read sums.
  absl::StatusOr<v1::PostStats> PostStats(const std::string& id,
                                          uint64_t version)
      ABSL_LOCKS_EXCLUDED(post_mu_);
  // Post reads that went to the store, and those answered from another
  // subscription's read instead (counters).
  uint64_t post_reads() const {
    return post_reads_.load(std::memory_order_relaxed);
  }
  uint64_t post_reads_shared() const {
    return post_reads_shared_.load(std::memory_order_relaxed);
  }
  // Top-posts boards answered from another subscription's (counter).
  uint64_t boards_shared() const {
    return boards_shared_.load(std::memory_order_relaxed);
  }

  // Counts an update written to its stream.
  void AddSent() { sent_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }

  // Counts changes merged into a later update instead of sent one by one
  // (a slow client, or changes faster than min_interval).
  void AddMerged(uint64_t n) {
    merged_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t merged() const { return merged_.load(std::memory_order_relaxed); }

  const SubscriptionLimits& limits() const { return limits_; }
  ChangeTracker* changes() const { return changes_; }
  const StatsReader* reader() const { return reader_; }
  WorkerPool* pool() const { return pool_; }
  const storage::Clock* clock() const { return clock_; }
  const std::vector<absl::Duration>& windows() const {
    return boards_->windows();
  }

 private:
  struct Due {
    absl::Time at;
    uint64_t id;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  template <typename Response>
  struct Cached {
    absl::Time computed;
    uint64_t version = 0;
    Response response;
  };

  void RunTimer();

  const SubscriptionLimits limits_;
  ChangeTracker* changes_;
  Boards* boards_;
  const StatsReader* reader_;
  WorkerPool* pool_;
  const storage::Clock* clock_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Subscription*> live_ ABSL_GUARDED_BY(mu_);
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_
      ABSL_GUARDED_BY(mu_);

  absl::Mutex board_mu_;
  absl::flat_hash_map<std::string, Cached<SharedTopPosts>> top_cache_
      ABSL_GUARDED_BY(board_mu_);

  // Held across a store read, so that concurrent builds read once. Its
  // `computed` is the start of the second it was read in; version 0:
  // nothing read yet.
  absl::Mutex global_mu_;
  Cached<v1::GlobalStats> global_ ABSL_GUARDED_BY(global_mu_);

  // The current second's post reads, by post id.
  static constexpr size_t kMaxCachedPosts = 65'536;
  absl::Mutex post_mu_;
  absl::Time post_second_ ABSL_GUARDED_BY(post_mu_) = absl::InfinitePast();
  absl::flat_hash_map<std::string, Cached<v1::PostStats>> posts_
      ABSL_GUARDED_BY(post_mu_);
  std::atomic<uint64_t> post_reads_{0};
  std::atomic<uint64_t> post_reads_shared_{0};
  std::atomic<uint64_t> boards_shared_{0};

  std::atomic<uint64_t> merged_{0};
  std::atomic<uint64_t> sent_{0};
  std::thread timer_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_SUBSCRIPTION_HUB_H_
