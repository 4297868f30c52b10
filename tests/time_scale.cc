#include "tests/time_scale.h"

#include <cstdlib>

#include "absl/strings/numbers.h"

namespace pulse::testing {

double TimeScale() {
  static const double scale = [] {
    const char* env = std::getenv("PULSE_TEST_TIME_SCALE");
    double value = 1;
    if (env == nullptr || !absl::SimpleAtod(env, &value) || !(value >= 1)) {
      return 1.0;
    }
    return value;
  }();
  return scale;
}

absl::Duration Scaled(absl::Duration bound) { return bound * TimeScale(); }

}  // namespace pulse::testing
