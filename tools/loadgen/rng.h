// A small, fully specified pseudo-random generator (xoshiro256** seeded by
// splitmix64). The standard library's distributions are implementation
// defined, so the firehose draws only through this class: the same seed gives
// the same stream on every platform and compiler.
#ifndef PULSE_TOOLS_LOADGEN_RNG_H_
#define PULSE_TOOLS_LOADGEN_RNG_H_

#include <cstdint>

namespace pulse::loadgen {

// One step of splitmix64: a good 64-bit mix of `x`, also used as a hash.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// xoshiro256**: fast, 256 bits of state, not for cryptography.
class Rng {
 public:
  // Seeds the state from `seed`; every seed (0 included) is valid.
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      word = Mix64(seed);
    }
  }

  // The next 64 random bits.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // A uniform double in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // A uniform double in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // A uniform integer in [0, n); n must be > 0. (Lemire's multiply-shift; the
  // tiny bias for huge n does not matter here.)
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >>
                                 64);
  }

  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_RNG_H_
