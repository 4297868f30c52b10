// Zipf-distributed ranks in O(1) memory and O(1) expected time per draw
// (rejection-inversion, Hörmann & Derflinger 1996), so a universe of a
// million posts costs nothing to set up.
#ifndef PULSE_TOOLS_LOADGEN_ZIPF_H_
#define PULSE_TOOLS_LOADGEN_ZIPF_H_

#include <cstdint>

#include "tools/loadgen/rng.h"

namespace pulse::loadgen {

// Draws k in [1, n] with probability proportional to 1 / k^exponent.
class ZipfSampler {
 public:
  // Requires n >= 1 and exponent > 0.
  ZipfSampler(uint64_t n, double exponent);

  // One rank in [1, n].
  uint64_t Sample(Rng& rng) const;

  // The number of ranks.
  uint64_t n() const { return n_; }

 private:
  double H(double x) const;
  double HIntegral(double x) const;
  double HIntegralInverse(double x) const;

  uint64_t n_;
  double exponent_;
  double h_integral_x1_;
  double h_integral_n_;
  double s_;
};

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_ZIPF_H_
