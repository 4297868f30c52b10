// The live boards: top posts and trending hashtags over sliding windows.
#ifndef PULSE_SERVER_BOARDS_H_
#define PULSE_SERVER_BOARDS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
class Boards {
 public:
  // Requires non-empty `windows`; `clock` is not owned and outlives this.
  Boards(std::vector<absl::Duration> windows, const storage::Clock* clock);

  // The configured window lengths, shortest first.
  const std::vector<absl::Duration>& windows() const { return lengths_; }

  // Counts what a write applied. Never blocks on I/O.
  void Record(const std::vector<storage::AppliedEngagement>& applied);

  // Refills the windows from the store's activity index, e.g. at start-up.
  // Blocks on disk I/O.
  absl::Status Rebuild(const storage::Store& store);

  // The top posts; the request must have passed validation. With `accounts`
  // (not empty) only posts known to belong to one of them count.
  v1::TopPostsResponse TopPosts(
      const v1::TopPostsRequest& request,
      const absl::flat_hash_set<std::string>* accounts = nullptr);

  // The trending hashtags; the request must have passed validation.
  v1::TrendingHashtagsResponse Trending(
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

  // Refills one window's sums as of `now` from the activity index.
  static absl::Status RebuildWindow(const storage::Store& store, absl::Time now,
                                    Windows& w);
  // Reads the metadata of the posts in `posts` into post_info_. Runs on a
  // Rebuild worker while Rebuild's caller holds mu_.
  absl::Status LoadPostInfo(const storage::Store& store,
                            const SlidingWindow& posts)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;
  void AdvanceLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Windows* FindLocked(absl::Duration length) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The candidates of `w` for `metric`, made on first use.
  static TopCandidates& TopsOf(Windows& w, v1::Metric metric);

  const storage::Clock* clock_;
  std::vector<absl::Duration> lengths_;
  // Divides every window's step; Record sums a batch per grain.
  absl::Duration grain_;
  absl::Mutex mu_;
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
  absl::flat_hash_map<std::string, std::shared_ptr<const PostInfo>> post_info_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_BOARDS_H_
