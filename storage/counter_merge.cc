#include "storage/counter_merge.h"

#include <string_view>

#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

template <typename Operands>
void SumAll(const rocksdb::Slice* existing, const Operands& operands,
            std::string* out) {
  out->clear();
  out->reserve(kCountsValueSize);
  if (existing != nullptr) AddCountValueInto(existing->ToStringView(), out);
  for (const rocksdb::Slice& operand : operands)
    AddCountValueInto(operand.ToStringView(), out);
}

}  // namespace

bool CounterMergeOperator::FullMergeV2(const MergeOperationInput& merge_in,
                                       MergeOperationOutput* merge_out) const {
  SumAll(merge_in.existing_value, merge_in.operand_list, &merge_out->new_value);
  return true;
}

bool CounterMergeOperator::PartialMergeMulti(
    const rocksdb::Slice& /*key*/,
    const std::deque<rocksdb::Slice>& operand_list, std::string* new_value,
    rocksdb::Logger* /*logger*/) const {
  SumAll(nullptr, operand_list, new_value);
  return true;
}

}  // namespace pulse::storage
