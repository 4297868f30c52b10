// The one place RocksDB statuses become absl::Status.
#ifndef PULSE_STORAGE_ROCKSDB_STATUS_H_
#define PULSE_STORAGE_ROCKSDB_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace pulse::storage {

// Maps `s` to an absl::Status whose message starts with `context`: I/O and
// transient errors are kUnavailable, corruption kDataLoss (saying to restore
// a backup), NotFound kNotFound,
// invalid arguments kInvalidArgument, anything else kInternal. OK stays OK.
absl::Status FromRocksStatus(const rocksdb::Status& s,
                             std::string_view context);

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_ROCKSDB_STATUS_H_
