// A pseudo-random permutation of [0, n) in O(1) memory: a keyed Feistel
// network over the next power of four with cycle walking. The firehose uses
// it to scatter popularity ranks over the ring of live posts without a table.
#ifndef PULSE_TOOLS_LOADGEN_PERMUTATION_H_
#define PULSE_TOOLS_LOADGEN_PERMUTATION_H_

#include <cstdint>

namespace pulse::loadgen {

// A bijection of [0, n) chosen by `key`.
class Permutation {
 public:
  // Requires n >= 1.
  Permutation(uint64_t n, uint64_t key);

  // The image of x; requires x < n.
  uint64_t Map(uint64_t x) const;

 private:
  uint64_t Round(uint64_t half, int round) const;
  uint64_t Feistel(uint64_t x) const;

  uint64_t n_;
  uint64_t key_;
  int half_bits_;
  uint64_t half_mask_;
};

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_PERMUTATION_H_
