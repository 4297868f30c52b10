#include "storage/sketch_merge.h"

#include <string_view>

#include "rocksdb/env.h"
#include "storage/hyperloglog.h"

namespace pulse::storage {
namespace {

template <typename Operands>
void UnionAll(const rocksdb::Slice* existing, const Operands& operands,
              rocksdb::Logger* logger, std::string* out) {
  SketchUnion acc;
  int malformed = 0;
  if (existing != nullptr && !acc.Add(existing->ToStringView())) ++malformed;
  for (const rocksdb::Slice& operand : operands) {
    if (!acc.Add(operand.ToStringView())) ++malformed;
  }
  if (malformed > 0 && logger != nullptr)
    rocksdb::Warn(logger, "pulse: dropping %d malformed sketches", malformed);
  out->clear();
  acc.Sketch().Encode(out);
}

}  // namespace

bool SketchMergeOperator::FullMergeV2(const MergeOperationInput& merge_in,
                                      MergeOperationOutput* merge_out) const {
  UnionAll(merge_in.existing_value, merge_in.operand_list, merge_in.logger,
           &merge_out->new_value);
  return true;
}

bool SketchMergeOperator::PartialMergeMulti(
    const rocksdb::Slice& /*key*/,
    const std::deque<rocksdb::Slice>& operand_list, std::string* new_value,
    rocksdb::Logger* logger) const {
  UnionAll(nullptr, operand_list, logger, new_value);
  return true;
}

}  // namespace pulse::storage
