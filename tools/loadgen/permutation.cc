#include "tools/loadgen/permutation.h"

#include "tools/loadgen/rng.h"

namespace pulse::loadgen {
namespace {

constexpr int kRounds = 4;

}  // namespace

Permutation::Permutation(uint64_t n, uint64_t key)
    : n_(n < 1 ? 1 : n), key_(key), half_bits_(1) {
  // The domain 4^half_bits_ is the least power of four >= n, so cycle walking
  // takes fewer than four steps on average.
  while (half_bits_ < 32 && (uint64_t{1} << (2 * half_bits_)) < n_) {
    ++half_bits_;
  }
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
}

uint64_t Permutation::Round(uint64_t half, int round) const {
  return Mix64(half ^ Mix64(key_ + static_cast<uint64_t>(round))) & half_mask_;
}

uint64_t Permutation::Feistel(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (int r = 0; r < kRounds; ++r) {
    const uint64_t next = left ^ Round(right, r);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t Permutation::Map(uint64_t x) const {
  // A Feistel network is a bijection of the whole domain; walking the cycle
  // until it lands below n makes it a bijection of [0, n).
  do {
    x = Feistel(x);
  } while (x >= n_);
  return x;
}

}  // namespace pulse::loadgen
