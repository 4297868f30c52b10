// HyperLogLog sketches of distinct users (precision 12: 4096 registers,
// standard error 1.04 / sqrt(4096) ≈ 1.6%).
//
// The hash is our own (FNV-1a 64 with a murmur3 fmix64 finalizer) so that a
// user hashes the same in every process and version: sketches are persisted.
// Encoding: a tag byte, then either a sparse sorted list of (u16 register,
// u8 rho) pairs, used while it is smaller, or all 4096 registers (dense).
#ifndef PULSE_STORAGE_HYPERLOGLOG_H_
#define PULSE_STORAGE_HYPERLOGLOG_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pulse::storage {

// A stable 64-bit hash of `s`; the same on every platform and run.
uint64_t StableHash64(std::string_view s);

class HyperLogLog {
 public:
  static constexpr int kPrecision = 12;
  static constexpr int kNumRegisters = 1 << kPrecision;
  // Above this many non-zero registers the dense form is smaller.
  static constexpr size_t kMaxSparseEntries = 1024;
  static constexpr uint8_t kSparseTag = 1;
  static constexpr uint8_t kDenseTag = 2;

  HyperLogLog() = default;

  // Records one user id.
  void Add(std::string_view user_id) { AddHash(StableHash64(user_id)); }
  // Records one already-hashed item.
  void AddHash(uint64_t hash);
  // Register-wise max with `other`: afterwards this sketches the union.
  void Merge(const HyperLogLog& other);
  // The estimated number of distinct items; 0 for an empty sketch.
  double Estimate() const;
  bool empty() const { return dense_.empty() && sparse_.empty(); }
  bool is_dense() const { return !dense_.empty(); }

  // Appends the encoding (sparse while small, else dense) to `out`.
  void Encode(std::string* out) const;
  std::string Encode() const;
  // Replaces *this with the sketch encoded in `in`; false (and *this left
  // empty) when `in` is malformed. An empty input is an empty sketch.
  bool Decode(std::string_view in);

 private:
  friend class SketchUnion;

  void SetRegister(uint16_t reg, uint8_t rho);
  void ToDense();

  // Sorted by register, one entry per non-zero register; unused when dense.
  std::vector<std::pair<uint16_t, uint8_t>> sparse_;
  // kNumRegisters registers once dense, else empty.
  std::vector<uint8_t> dense_;
};

// The union of many encoded sketches: the same registers and the same
// encoding as Merge-ing them one by one into a sketch, without its cost.
// Merging a sparse sketch into a sparse one rebuilds the sorted list, so
// folding a hot post's hundreds of small operands into a union near the
// sparse limit copied ~1,000 entries per operand (13 % of the server's
// samples at 10,000 subscriptions). The union merges as Merge does while it is
// small, then keeps every register in one array.
class SketchUnion {
 public:
  // Adds the sketch encoded in `encoded`; false, adding nothing, when it is
  // malformed.
  bool Add(std::string_view encoded);
  // The union as Merge would leave it: dense if a dense sketch was added or
  // more than kMaxSparseEntries registers are set, else sparse.
  HyperLogLog Sketch() const;

 private:
  // Past this many sparse entries the union moves to `registers_`.
  static constexpr size_t kMergeLimit = 64;

  HyperLogLog small_;  // the union while registers_ is unused
  bool in_registers_ = false;
  std::array<uint8_t, HyperLogLog::kNumRegisters> registers_{};
  size_t set_ = 0;       // non-zero registers_
  bool dense_ = false;   // a dense sketch went into registers_
  HyperLogLog scratch_;  // the last decoded operand; kept for its capacity
};

// Encodes in *out the register-wise max of two encoded sketches. A malformed
// input counts as empty; returns false only when both are malformed.
bool MergeSketches(std::string_view a, std::string_view b, std::string* out);

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_HYPERLOGLOG_H_
