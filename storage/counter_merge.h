// The merge operator of the counters and activity column families: counter
// values are added slot by slot, so ingest never reads before it writes.
#ifndef PULSE_STORAGE_COUNTER_MERGE_H_
#define PULSE_STORAGE_COUNTER_MERGE_H_

#include <string>

#include "rocksdb/merge_operator.h"

namespace pulse::storage {

// Adds Counts element-wise (see AddCountValues). Stateless and thread-safe.
class CounterMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  // Sets *new_value to existing + value; a missing existing value is zero.
  // Never fails: a malformed value contributes what whole slots it has.
  bool Merge(const rocksdb::Slice& key, const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* logger) const override;
  // The name RocksDB records in OPTIONS; must never change.
  const char* Name() const override { return "pulse.CounterMerge"; }
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_COUNTER_MERGE_H_
