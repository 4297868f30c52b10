// The merge operator of the sketches column family: a sketch operand is merged
// into the stored sketch by register-wise max, so ingest never reads sketches.
#ifndef PULSE_STORAGE_SKETCH_MERGE_H_
#define PULSE_STORAGE_SKETCH_MERGE_H_

#include <string>

#include "rocksdb/merge_operator.h"

namespace pulse::storage {

// Merges HyperLogLog encodings (see MergeSketches). Stateless, thread-safe.
class SketchMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  // Sets *new_value to the union of the existing sketch and `value`. Never
  // fails: a malformed sketch is treated as empty rather than failing reads
  // and compactions of the whole column family.
  bool Merge(const rocksdb::Slice& key, const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* logger) const override;
  // The name RocksDB records in OPTIONS; must never change.
  const char* Name() const override { return "pulse.SketchMerge"; }
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_SKETCH_MERGE_H_
