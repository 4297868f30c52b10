#include "storage/sketch_merge.h"

#include <string_view>

#include "rocksdb/env.h"
#include "storage/hyperloglog.h"

namespace pulse::storage {

bool SketchMergeOperator::Merge(const rocksdb::Slice& /*key*/,
                                const rocksdb::Slice* existing_value,
                                const rocksdb::Slice& value,
                                std::string* new_value,
                                rocksdb::Logger* logger) const {
  const std::string_view existing =
      existing_value == nullptr
          ? std::string_view()
          : std::string_view(existing_value->data(), existing_value->size());
  if (!MergeSketches(existing, std::string_view(value.data(), value.size()),
                     new_value)) {
    if (logger != nullptr)
      rocksdb::Warn(logger, "pulse: dropping malformed sketches");
    new_value->clear();  // the empty sketch
  }
  return true;
}

}  // namespace pulse::storage
