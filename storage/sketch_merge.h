// The merge operator of the sketches column family: a sketch operand is merged
// into the stored sketch by register-wise max, so ingest never reads sketches.
#ifndef PULSE_STORAGE_SKETCH_MERGE_H_
#define PULSE_STORAGE_SKETCH_MERGE_H_

#include <deque>
#include <string>

#include "rocksdb/merge_operator.h"

namespace pulse::storage {

// Unions HyperLogLog encodings. A full merge decodes the stored sketch and
// every operand once into one sketch and encodes it once: an associative
// operator would decode and re-encode the growing (up to 4 KiB) union once
// per operand, and a hot post's read can meet hundreds of operands. Never
// fails: a malformed sketch counts as empty (and is logged) rather than
// failing reads and compactions of the whole column family. Stateless,
// thread-safe.
class SketchMergeOperator final : public rocksdb::MergeOperator {
 public:
  // Sets merge_out->new_value to the union of the existing sketch (if any)
  // and every operand.
  bool FullMergeV2(const MergeOperationInput& merge_in,
                   MergeOperationOutput* merge_out) const override;
  // Sets *new_value to the union of the operands (compactions and
  // max_successive_merges fold operands with it).
  bool PartialMergeMulti(const rocksdb::Slice& key,
                         const std::deque<rocksdb::Slice>& operand_list,
                         std::string* new_value,
                         rocksdb::Logger* logger) const override;
  // The name RocksDB records in OPTIONS; must never change.
  const char* Name() const override { return "pulse.SketchMerge"; }
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_SKETCH_MERGE_H_
