// The merge operator of the counters and activity column families: counter
// values are added slot by slot, so ingest never reads before it writes.
#ifndef PULSE_STORAGE_COUNTER_MERGE_H_
#define PULSE_STORAGE_COUNTER_MERGE_H_

#include <deque>
#include <string>

#include "rocksdb/merge_operator.h"

namespace pulse::storage {

// Adds counter values slot by slot (AddCountValueInto). A full merge sums the
// stored value and every operand into one buffer: a hot key (the global
// totals) can have a few hundred operands in the memtable, one per batch, and
// an associative operator would allocate and copy once per operand. Never
// fails: a malformed value contributes what whole slots it has. Stateless,
// thread-safe.
class CounterMergeOperator final : public rocksdb::MergeOperator {
 public:
  // Sets merge_out->new_value to the existing value (if any) plus every
  // operand.
  bool FullMergeV2(const MergeOperationInput& merge_in,
                   MergeOperationOutput* merge_out) const override;
  // Sets *new_value to the sum of the operands (compactions fold operands
  // with it).
  bool PartialMergeMulti(const rocksdb::Slice& key,
                         const std::deque<rocksdb::Slice>& operand_list,
                         std::string* new_value,
                         rocksdb::Logger* logger) const override;
  // The name RocksDB records in OPTIONS; must never change.
  const char* Name() const override { return "pulse.CounterMerge"; }
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_COUNTER_MERGE_H_
