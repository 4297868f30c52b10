#include "tools/loadgen/pacer.h"

#include <algorithm>
#include <cmath>

namespace pulse::loadgen {

double DiurnalFactor(absl::Time sim_time, double amplitude) {
  constexpr double kPi = 3.14159265358979323846;
  constexpr int64_t kSecondsPerDay = 86'400;
  int64_t second_of_day = absl::ToUnixSeconds(sim_time) % kSecondsPerDay;
  if (second_of_day < 0) second_of_day += kSecondsPerDay;
  const double hour = static_cast<double>(second_of_day) / 3600.0;
  return 1 + amplitude * std::cos(2 * kPi * (hour - 20) / 24);
}

void Pacer::Sent(int64_t items, double rate, absl::Time now) {
  const absl::Time base = std::max(due_, now - max_lag_);
  due_ = base + absl::Seconds(static_cast<double>(items) / rate);
}

}  // namespace pulse::loadgen
