// Ranking the keys of a SlidingWindow by one metric without scanning it on
// every read: the top-posts board over 1,000,000 live posts.
#ifndef PULSE_SERVER_TOP_CANDIDATES_H_
#define PULSE_SERVER_TOP_CANDIDATES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "pulse/v1/analytics.pb.h"
#include "server/sliding_window.h"
#include "storage/store.h"

namespace pulse::server {

// The value of `metric` in `counts`; METRIC_UNSPECIFIED means ENGAGEMENTS.
int64_t MetricValue(v1::Metric metric, const storage::Counts& counts);

// One key of a ranking and its window sums (pointers into the Sums ranked,
// valid until that window next changes).
struct RankedKey {
  int64_t value;
  const std::string* key;
  const storage::Counts* counts;
};

// The `limit` best of `keys`, best first: higher value, then lower key.
// O(n log limit).
std::vector<RankedKey> TopK(const std::vector<RankedKey>& keys, size_t limit);

// Keeps the keys that can still rank among the best of one metric over a
// SlidingWindow, so that a read ranks a few hundred candidates instead of
// every key. The invariant: every key outside the candidate set has a value
// of at most `bound`. A full scan sets the candidates to the best `capacity`
// keys and `bound` to the best value left out; a key whose value then rises
// above `bound` joins (Grew); values that fall (a step expiring, an unlike)
// keep the invariant by themselves. A read whose candidates cannot prove the
// answer (the `limit`-th best is not above `bound`) rescans. Not thread-safe:
// the owner locks, and calls Grew after every increase of a key's sum.
class TopCandidates {
 public:
  explicit TopCandidates(v1::Metric metric) : metric_(metric) {}

  v1::Metric metric() const { return metric_; }

  // Records that `key`'s sum in `sums` may have grown in this metric.
  void Grew(const SlidingWindow::Sums& sums, absl::string_view key);

  // The `limit` keys of `sums` with the highest positive values, best first:
  // the same answer as TopK over every key of `sums`.
  std::vector<RankedKey> Top(const SlidingWindow::Sums& sums, size_t limit);

  // Full scans so far; for tests and the metrics page.
  int64_t rescans() const { return rescans_; }

 private:
  void Rescan(const SlidingWindow::Sums& sums, size_t limit);

  const v1::Metric metric_;
  size_t capacity_ = 0;  // candidates the last full scan kept; 0 before one
  int64_t bound_ = 0;
  absl::flat_hash_set<std::string> keys_;
  int64_t rescans_ = 0;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_TOP_CANDIDATES_H_
