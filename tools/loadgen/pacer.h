// Pacing of the firehose: a schedule of due times that does not drift (each
// batch's due time follows from the previous due time, not from when the
// previous send finished), and the diurnal rhythm that modulates the rate.
#ifndef PULSE_TOOLS_LOADGEN_PACER_H_
#define PULSE_TOOLS_LOADGEN_PACER_H_

#include <cstdint>

#include "absl/time/time.h"

namespace pulse::loadgen {

// How busy the simulated network is at `sim_time`, relative to the daily
// mean: 1 + amplitude * cos(2π (hour - 20) / 24), busiest at 20:00 UTC and
// quietest at 08:00. Averages 1 over a day; requires 0 <= amplitude < 1.
double DiurnalFactor(absl::Time sim_time, double amplitude);

// The simulated clock: starts at `start` and runs `time_scale` times faster
// than the wall clock (a day lasts 24 h / time_scale).
class SimClock {
 public:
  // Requires time_scale > 0.
  SimClock(absl::Time start, double time_scale)
      : start_(start), time_scale_(time_scale) {}

  // The simulated time at wall time `now`.
  absl::Time At(absl::Time now) const {
    return start_ + (now - start_) * time_scale_;
  }

 private:
  absl::Time start_;
  double time_scale_;
};

// A schedule for sending items at a rate that may change over time. Sending
// late is forgiven up to `max_lag` (then the schedule slips), so an outage
// is not followed by an unbounded catch-up burst.
class Pacer {
 public:
  // The first send is due at `start`.
  Pacer(absl::Time start, absl::Duration max_lag)
      : due_(start), max_lag_(max_lag) {}

  // When the next send is due.
  absl::Time due() const { return due_; }

  // Records `items` sent at `now` at `rate` items/s (> 0): the next send is
  // due items / rate after the previous due time.
  void Sent(int64_t items, double rate, absl::Time now);

 private:
  absl::Time due_;
  absl::Duration max_lag_;
};

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_PACER_H_
