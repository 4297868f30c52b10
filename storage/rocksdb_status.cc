#include "storage/rocksdb_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace pulse::storage {

absl::Status FromRocksStatus(const rocksdb::Status& s,
                             std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string message =
      absl::StrCat(std::string(context), ": ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(absl::StrCat(
          message,
          "; the data dir is damaged: stop the server and restore the newest "
          "backup into a new data dir (README: Backup and restore)"));
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(message);
    // The disk, a lock or a shutdown: the caller may retry later.
    case rocksdb::Status::kIOError:
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
    case rocksdb::Status::kIncomplete:
    case rocksdb::Status::kAborted:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace pulse::storage
