#include "storage/write_errors.h"

#include <cstdarg>
#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/log.h"
#include "storage/rocksdb_status.h"

namespace pulse::storage {
namespace {

using server::Log;
using server::LogLevel;

// "disk full" or "I/O error": what the operator has to fix.
const char* Cause(const rocksdb::Status& s) {
  if (s.IsNoSpace()) return "disk full";
  if (s.IsCorruption()) return "corruption";
  return "I/O error";
}

class RocksLogger : public rocksdb::Logger {
 public:
  explicit RocksLogger(bool salvage_wal)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL),
        salvage_wal_(salvage_wal) {}

  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < GetInfoLogLevel() ||
        level == rocksdb::InfoLogLevel::HEADER_LEVEL)
      return;
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    LogLevel ours = level >= rocksdb::InfoLogLevel::ERROR_LEVEL
                        ? LogLevel::kError
                        : LogLevel::kWarning;
    // Every backup turns file deletions off and on twice (BackupEngine and
    // its checkpoint), and RocksDB warns of the nesting: routine, not a
    // warning.
    if (absl::StrContains(line, "] File Deletions ")) ours = LogLevel::kDebug;
    // Damage found replaying a write-ahead log, which RocksDB reports only
    // as a warning; what follows it may hold acknowledged batches.
    if (absl::StrContains(line, ": dropping ") &&
        absl::StrContains(line, " bytes; ")) {
      Log(LogLevel::kError,
          absl::StrCat(
              "write-ahead log damaged: ",
              salvage_wal_
                  ? "recovery dropped what followed the damage, acknowledged "
                    "batches included (--wal_recovery=salvage)"
                  : "the open stops (--wal_recovery=strict); restore a backup "
                    "(README: Backup and restore), or start with "
                    "--wal_recovery=salvage to drop what follows the damage, "
                    "acknowledged batches included",
              ": rocksdb ", line));
      return;
    }
    Log(ours, absl::StrCat("rocksdb ", line));
  }

 private:
  const bool salvage_wal_;
};

}  // namespace

absl::Status WriteErrorStatus(const rocksdb::Status& s,
                              const std::string& data_dir) {
  if (!s.IsIOError()) return FromRocksStatus(s, "writing batch");
  return absl::UnavailableError(absl::StrCat(
      "storage cannot write (", Cause(s), " in ", data_dir, ": ", s.ToString(),
      "); the batch was not stored: retry it later (with a producer_id and "
      "sequence a retry is counted exactly once); ingest resumes by itself ",
      s.IsNoSpace() ? "once space is freed" : "once the disk works again"));
}

void WriteErrors::Failed(const rocksdb::Status& s, bool in_wal) {
  absl::MutexLock lock(&mu_);
  error_ = s;
  wal_failed_ = wal_failed_ || in_wal;
  if (failing_.exchange(true, std::memory_order_acq_rel)) return;
  since_ = absl::Now();
  Log(LogLevel::kError,
      absl::StrCat("storage writes failing cause=\"", Cause(s),
                   "\" data_dir=", data_dir_, " error=\"", s.ToString(),
                   "\": ingest answers UNAVAILABLE, reads go on; writes "
                   "resume by themselves once the cause is gone"));
}

void WriteErrors::Recovered(const char* how) {
  absl::MutexLock lock(&mu_);
  if (!failing_.exchange(false, std::memory_order_acq_rel)) return;
  Log(LogLevel::kWarning,
      absl::StrCat("storage writes recovered cause=\"", Cause(error_),
                   "\" how=", how,
                   " failed_for=", absl::FormatDuration(absl::Now() - since_)));
  error_ = rocksdb::Status::OK();
  wal_failed_ = false;
}

bool WriteErrors::no_space() const {
  absl::MutexLock lock(&mu_);
  return error_.IsNoSpace();
}

bool WriteErrors::wal_failed() const {
  absl::MutexLock lock(&mu_);
  return wal_failed_;
}

absl::Status WriteErrors::status() const {
  absl::MutexLock lock(&mu_);
  // Recovered in between: the caller's next attempt writes.
  if (error_.ok()) {
    return absl::UnavailableError(
        "storage is recovering from a write error; retry the batch");
  }
  return WriteErrorStatus(error_, data_dir_);
}

void WriteErrorListener::OnBackgroundError(
    rocksdb::BackgroundErrorReason reason, rocksdb::Status* bg_error) {
  if (bg_error == nullptr || bg_error->ok()) return;
  errors_->Failed(*bg_error,
                  reason == rocksdb::BackgroundErrorReason::kWriteCallback ||
                      reason == rocksdb::BackgroundErrorReason::kMemTable);
}

void WriteErrorListener::OnErrorRecoveryBegin(
    rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*bg_error*/,
    bool* auto_recovery) {
  *auto_recovery = false;
}

std::shared_ptr<rocksdb::Logger> NewRocksLogger(bool salvage_wal) {
  return std::make_shared<RocksLogger>(salvage_wal);
}

}  // namespace pulse::storage
