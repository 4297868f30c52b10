#include "tools/soak/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace pulse::soak {

LatencyHistogram::LatencyHistogram() : counts_(kBuckets + 1, 0) {}

void LatencyHistogram::Add(double ms) {
  ms = std::max(0.0, ms);
  const double bucket = std::floor(ms);
  ++counts_[bucket >= kBuckets ? kBuckets : static_cast<int>(bucket)];
  ++count_;
  max_ms_ = std::max(max_ms_, ms);
}

double LatencyHistogram::QuantileMs(double q) const {
  if (count_ == 0) return 0;
  // Nearest rank, as pulse-bench's Quantile: the value at index q * count.
  const int64_t rank = std::min<int64_t>(
      static_cast<int64_t>(q * static_cast<double>(count_)), count_ - 1);
  int64_t below = 0;
  for (int i = 0; i < kBuckets; ++i) {
    below += counts_[i];
    if (below > rank) return std::min<double>(i + 1, max_ms_);
  }
  return max_ms_;
}

}  // namespace pulse::soak
