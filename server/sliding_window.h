// Sums of counters per key over a window that slides with the clock.
#ifndef PULSE_SERVER_SLIDING_WINDOW_H_
#define PULSE_SERVER_SLIDING_WINDOW_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace pulse::server {

// Keeps, for every key with activity in the last `window`, the sum of its
// counters. The window moves in steps of window / slots: each step's deltas
// are kept apart so that they can be subtracted when the step expires, which
// makes both adding and expiring O(keys touched), never a scan of history.
// Not thread-safe: the owner locks.
class SlidingWindow {
 public:
  using Sums = absl::flat_hash_map<std::string, storage::Counts>;

  // Requires window > 0 and slots >= 1.
  SlidingWindow(absl::Duration window, int slots);

  // Adds `delta` to `key` at time `t`. A time after `now` waits: it counts
  // once Advance reaches its step, until it is a window old (at most a
  // window ahead: later ones are taken as that). Times at or before the
  // window's start are ignored. Returns whether it was taken.
  bool Add(absl::Time now, absl::Time t, absl::string_view key,
           const storage::Counts& delta);

  // Adds every step of `other`, a window of the same length and slots, as
  // Add(now, ...) would.
  void Merge(absl::Time now, const SlidingWindow& other);

  // Drops the steps that fell out of the window ending at `now`, and counts
  // those whose time came. Returns the keys whose sums dropped to zero and
  // were erased, for callers that index keys. With `rose`, also appends
  // there the keys of which some counter grew: an expiring step can hold a
  // negative delta (an unlike whose like is in a later step), a step whose
  // time came a positive one.
  std::vector<std::string> Advance(absl::Time now,
                                   std::vector<std::string>* rose = nullptr);

  // The current sums (call Advance first for an up-to-date window).
  const Sums& sums() const { return sums_; }

  absl::Duration window() const { return window_; }

  // Grows whenever sums() may have changed (an Add that counted, a step
  // that expired): equal versions mean equal sums.
  uint64_t version() const { return version_; }

 private:
  struct Step {
    int64_t number;  // floor(time / step width)
    Sums deltas;
    bool counted;  // in sums_: its time came
  };

  int64_t StepOf(absl::Time t) const;
  // Adds `step`'s deltas to sums_ (sign +1) or takes them out (-1); appends
  // to `rose` the keys of which some counter grew and to `erased` those
  // whose sums reached zero.
  void Apply(const Step& step, int sign, std::vector<std::string>* rose,
             std::vector<std::string>* erased);

  absl::Duration window_;
  absl::Duration step_;
  int slots_;
  std::deque<Step> steps_;  // oldest first, numbers increasing
  // Every step up to this one is counted (the latest head Advance saw).
  int64_t counted_through_ = std::numeric_limits<int64_t>::min();
  Sums sums_;
  uint64_t version_ = 0;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_SLIDING_WINDOW_H_
