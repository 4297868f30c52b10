// The clock seam: production reads the wall clock, tests set the time.
#ifndef PULSE_STORAGE_CLOCK_H_
#define PULSE_STORAGE_CLOCK_H_

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pulse::storage {

// A source of the current time. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time. Never blocks.
  virtual absl::Time Now() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // Returns a process-wide instance; never null, never destroyed.
  static SystemClock* Get() {
    static auto* clock = new SystemClock;
    return clock;
  }
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time t) : nanos_(absl::ToUnixNanos(t)) {}
  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load()); }
  void Set(absl::Time t) { nanos_.store(absl::ToUnixNanos(t)); }
  void Advance(absl::Duration d) {
    nanos_.fetch_add(absl::ToInt64Nanoseconds(d));
  }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_CLOCK_H_
