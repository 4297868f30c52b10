// Bounds of timing assertions, stretched for slow (sanitized) builds.
#ifndef PULSE_TESTS_TIME_SCALE_H_
#define PULSE_TESTS_TIME_SCALE_H_

#include "absl/time/time.h"

namespace pulse::testing {

// PULSE_TEST_TIME_SCALE, a number >= 1 (1 when unset or not such a number).
// The sanitizer test presets set it: instrumented code runs several times
// slower, so a bound on how long something may take holds there only if
// stretched. The normal build leaves it unset and keeps every bound as is.
double TimeScale();

// `bound` times TimeScale(): for assertions on how long something took.
absl::Duration Scaled(absl::Duration bound);

}  // namespace pulse::testing

#endif  // PULSE_TESTS_TIME_SCALE_H_
