// A fixed-size histogram of latencies in 1 ms buckets up to one minute, so
// that a soak of any length keeps the distribution of every visibility
// latency after warm-up in constant memory.
#ifndef PULSE_TOOLS_SOAK_LATENCY_HISTOGRAM_H_
#define PULSE_TOOLS_SOAK_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace pulse::soak {

class LatencyHistogram {
 public:
  LatencyHistogram();

  // Records one latency in milliseconds (negative counts as 0).
  void Add(double ms);

  int64_t count() const { return count_; }
  double max_ms() const { return max_ms_; }
  // The q-quantile (0..1): the upper edge of the bucket holding that rank,
  // capped at max_ms(); the exact maximum past the last bucket; 0 when empty.
  double QuantileMs(double q) const;

 private:
  static constexpr int kBuckets = 60'000;  // [i, i+1) ms; the last: beyond
  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  double max_ms_ = 0;
};

}  // namespace pulse::soak

#endif  // PULSE_TOOLS_SOAK_LATENCY_HISTOGRAM_H_
