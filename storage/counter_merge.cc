#include "storage/counter_merge.h"

#include <string_view>

#include "storage/value_codec.h"

namespace pulse::storage {

bool CounterMergeOperator::Merge(const rocksdb::Slice& /*key*/,
                                 const rocksdb::Slice* existing_value,
                                 const rocksdb::Slice& value,
                                 std::string* new_value,
                                 rocksdb::Logger* /*logger*/) const {
  if (existing_value == nullptr) {
    new_value->assign(value.data(), value.size());
    return true;
  }
  AddCountValues(
      std::string_view(existing_value->data(), existing_value->size()),
      std::string_view(value.data(), value.size()), new_value);
  return true;
}

}  // namespace pulse::storage
