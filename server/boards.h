// The live boards: top posts and trending hashtags over sliding windows.
#ifndef PULSE_SERVER_BOARDS_H_
#define PULSE_SERVER_BOARDS_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pulse/v1/analytics.pb.h"
#include "server/sliding_window.h"
#include "server/top_candidates.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace pulse::server {

// Keeps one sliding window of post counters per configured window length and,
// for trending, hashtag windows of that length and twice it, all fed by
// ingest. Queries read the in-memory sums: none scans stored history.
// Thread-safe.
//
// At start-up the windows are refilled from the store in the background
// (StartRebuild) while Record already counts new writes; the boards answer
// UNAVAILABLE until both are merged.
class Boards {
 public:
  // Requires non-empty `windows`; `clock` is not owned and outlives this.
  Boards(std::vector<absl::Duration> windows, const storage::Clock* clock);
  // Stops a rebuild still running (within one stored bucket or one chunk of
  // post metadata) and waits for it.
  ~Boards();

  Boards(const Boards&) = delete;
  Boards& operator=(const Boards&) = delete;

  // The configured window lengths, shortest first.
  const std::vector<absl::Duration>& windows() const { return lengths_; }

  // Counts what a write applied. Never blocks on I/O.
  void Record(const std::vector<storage::AppliedEngagement>& applied);

  // Takes the metadata of posts written (a later one of the same id wins)
  // for the posts the boards hold, which filter by account and hashtag: a
  // re-sent post without an engagement in its batch would otherwise keep
  // its old account and hashtags here until a restart, and one engaged
  // with before its metadata came would have none.
  void UpdatePosts(const std::vector<storage::PostMeta>& posts);

  // Refills the windows from the store's activity index as it is now (a
  // snapshot), on a background thread, and returns: what is written and
  // Recorded from now on is counted apart and merged in when the scan is
  // done, so nothing counts twice. Call once, before the first Record, with
  // a store that outlives this. An error (no snapshot) means no rebuild.
  absl::Status StartRebuild(const storage::Store& store);

  // Waits up to `timeout` for the rebuild: OK once the boards are complete
  // (or when none was started), DEADLINE_EXCEEDED while it still runs (or
  // waits to retry a failed attempt), and the last attempt's error once the
  // rebuild gave up: an attempt that fails is retried on the same snapshot,
  // up to 6 attempts over about 30 s.
  absl::Status WaitForRebuild(absl::Duration timeout);

  // StartRebuild and wait for it. Blocks on disk I/O.
  absl::Status Rebuild(const storage::Store& store);

  // Whether the boards answer: false while a rebuild runs or after one
  // gave up.
  bool ready() const;

  // Posts with engagements in the longest window, as the boards hold them.
  size_t tracked_posts() const;

  // Makes a rebuild wait for `gate` after its snapshot and before its scans,
  // for tests of what happens meanwhile. Call before StartRebuild.
  void set_rebuild_gate_for_testing(absl::Notification* gate) {
    rebuild_gate_ = gate;
  }
  // How often a failing rebuild is tried, and the wait before the first
  // retry (doubled for each next one). Call before StartRebuild.
  void set_rebuild_retries_for_testing(int attempts,
                                       absl::Duration first_delay) {
    rebuild_attempts_ = attempts;
    rebuild_retry_delay_ = first_delay;
  }

  // The top posts; the request must have passed validation. With `accounts`
  // (not empty) only posts known to belong to one of them count.
  // UNAVAILABLE until the boards are rebuilt.
  absl::StatusOr<v1::TopPostsResponse> TopPosts(
      const v1::TopPostsRequest& request,
      const absl::flat_hash_set<std::string>* accounts = nullptr);

  // The trending hashtags; the request must have passed validation.
  // UNAVAILABLE until the boards are rebuilt.
  absl::StatusOr<v1::TrendingHashtagsResponse> Trending(
      const v1::TrendingHashtagsRequest& request);

 private:
  struct PostInfo {
    std::string account_id;
    std::vector<std::string> hashtags;
  };
  struct Windows {
    absl::Duration length;
    SlidingWindow posts;
    SlidingWindow hashtags;         // `length`
    SlidingWindow hashtags_double;  // 2 * `length`, for the window before
    // One per metric an unfiltered TopPosts asked for, made on first use.
    std::vector<TopCandidates> tops;
  };

  using PostInfoMap =
      absl::flat_hash_map<std::string, std::shared_ptr<const PostInfo>>;

  // Empty windows of every configured length.
  std::vector<Windows> MakeWindows() const;
  // The rebuild thread: scans `snapshot` into new windows as of `start`,
  // then merges them with the live ones.
  void RunRebuild(const storage::Store& store,
                  std::unique_ptr<storage::StoreSnapshot> snapshot,
                  absl::Time start);
  absl::Status RebuildAll(const storage::Store& store,
                          const storage::StoreSnapshot& snapshot,
                          absl::Time now, std::vector<Windows>& windows,
                          PostInfoMap& post_info);
  // Refills one window's sums as of `now` from the activity index.
  absl::Status RebuildWindow(const storage::Store& store,
                             const storage::StoreSnapshot& snapshot,
                             absl::Time now, Windows& w);
  // Reads the metadata of the posts in `posts` into `post_info`.
  absl::Status LoadPostInfo(const storage::Store& store,
                            const SlidingWindow& posts, PostInfoMap& post_info);
  // Slides `windows` to `now`, forgetting the metadata of posts that left
  // the longest.
  static void Advance(absl::Time now, std::vector<Windows>& windows,
                      PostInfoMap& post_info);
  void AdvanceLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Windows* FindLocked(absl::Duration length) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK when the boards can answer; otherwise why not.
  absl::Status ReadyStatus() const ABSL_LOCKS_EXCLUDED(status_mu_);
  // The candidates of `w` for `metric`, made on first use.
  static TopCandidates& TopsOf(Windows& w, v1::Metric metric);

  const storage::Clock* clock_;
  std::vector<absl::Duration> lengths_;
  // Divides every window's step; Record sums a batch per grain.
  absl::Duration grain_;
  mutable absl::Mutex mu_;
  std::vector<Windows> windows_ ABSL_GUARDED_BY(mu_);
  // The last answer per Trending request (serialized) and the versions of
  // the windows it read: asked again before they change, it is still right.
  struct TrendingMemo {
    uint64_t version;
    v1::TrendingHashtagsResponse response;
  };
  absl::flat_hash_map<std::string, TrendingMemo> trending_memo_
      ABSL_GUARDED_BY(mu_);
  // Account and hashtags of posts in the longest window, for filtered boards.
  PostInfoMap post_info_ ABSL_GUARDED_BY(mu_);

  // The rebuild's state: running from rebuild_start_ until it sets
  // rebuild_status_ (OK, or why its last attempt failed).
  mutable absl::Mutex status_mu_;
  bool rebuilding_ ABSL_GUARDED_BY(status_mu_) = false;
  absl::Time rebuild_start_ ABSL_GUARDED_BY(status_mu_);
  absl::Status rebuild_status_ ABSL_GUARDED_BY(status_mu_);
  // Why the last attempt failed, while the next one is waited for.
  absl::Status rebuild_failure_ ABSL_GUARDED_BY(status_mu_);
  // Set under status_mu_, read without it too.
  std::atomic<bool> cancel_{false};
  absl::Notification* rebuild_gate_ = nullptr;
  int rebuild_attempts_ = 6;
  absl::Duration rebuild_retry_delay_ = absl::Seconds(1);
  std::thread rebuild_thread_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_BOARDS_H_
