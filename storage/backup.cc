#include "storage/backup.h"

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"

namespace pulse::storage {
namespace {

// BackupEngine must not run two creates on one directory at once (nor a list
// beside a create); one lock for every directory is simple and enough.
absl::Mutex& BackupMutex() {
  static absl::Mutex* mu = new absl::Mutex;
  return *mu;
}

BackupSummary Summarize(const rocksdb::BackupInfo& info) {
  BackupSummary s;
  s.id = info.backup_id;
  s.created = absl::FromUnixSeconds(info.timestamp);
  s.size_bytes = info.size;
  s.file_count = info.number_files;
  return s;
}

// True when `dir` holds a backup directory's metadata.
bool HasBackups(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(std::filesystem::path(dir) / "meta", ec);
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(
    const std::string& backup_dir) {
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  PULSE_RETURN_IF_ERROR(
      FromRocksStatus(rocksdb::BackupEngineReadOnly::Open(
                          rocksdb::BackupEngineOptions(backup_dir),
                          rocksdb::Env::Default(), &engine),
                      absl::StrCat("opening backup dir ", backup_dir)));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(engine);
}

// The backups of an opened engine, oldest first.
std::vector<BackupSummary> Summaries(
    const rocksdb::BackupEngineReadOnlyBase& engine) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  std::vector<BackupSummary> out;
  out.reserve(infos.size());
  for (const rocksdb::BackupInfo& info : infos) out.push_back(Summarize(info));
  return out;
}

}  // namespace

void BackupStopper::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  if (running_ != nullptr) running_->StopBackup();
}

absl::StatusOr<BackupSummary> CreateBackup(Store& store,
                                           const std::string& backup_dir,
                                           uint32_t keep,
                                           BackupStopper* stopper) {
  absl::MutexLock lock(&BackupMutex());
  std::error_code ec;
  std::filesystem::create_directories(backup_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("creating backup dir ", backup_dir, ": ", ec.message()));
  }
  rocksdb::BackupEngine* raw = nullptr;
  PULSE_RETURN_IF_ERROR(FromRocksStatus(
      rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(backup_dir),
                                  rocksdb::Env::Default(), &raw),
      absl::StrCat("opening backup dir ", backup_dir)));
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  if (stopper != nullptr) {
    absl::MutexLock stop_lock(&stopper->mu_);
    if (stopper->stopped_) {
      return absl::CancelledError("backups were stopped (shutting down)");
    }
    stopper->running_ = engine.get();
  }
  const absl::Cleanup not_running = [stopper] {
    if (stopper == nullptr) return;
    absl::MutexLock stop_lock(&stopper->mu_);
    stopper->running_ = nullptr;
  };

  // Flushing first puts every acknowledged write into SST files; the live
  // WAL is copied too, and since a WriteBatch is one WAL record, a restore
  // replays whole batches only: the backup is one point in the write order.
  // A database that cannot write (read-only after a failed reopen, or a full
  // or failing disk) cannot flush either: then the live WAL files alone
  // carry what the SST files lack, and the backup still holds every
  // acknowledged write. That is when an operator most wants one.
  rocksdb::BackupID id = 0;
  PULSE_RETURN_IF_ERROR(store.WithDb([&](rocksdb::DB* db, bool writable) {
    rocksdb::CreateBackupOptions options;
    options.flush_before_backup = writable;
    const rocksdb::Status created = engine->CreateNewBackup(options, db, &id);
    // StopBackup makes it answer Incomplete.
    if (created.IsIncomplete()) {
      return absl::CancelledError(absl::StrCat("the backup in ", backup_dir,
                                               " was stopped (shutting down)"));
    }
    return FromRocksStatus(created,
                           absl::StrCat("creating a backup in ", backup_dir));
  }));
  if (keep > 0) {
    PULSE_RETURN_IF_ERROR(
        FromRocksStatus(engine->PurgeOldBackups(keep),
                        absl::StrCat("deleting old backups in ", backup_dir)));
  }
  rocksdb::BackupInfo info;
  PULSE_RETURN_IF_ERROR(
      FromRocksStatus(engine->GetBackupInfo(id, &info),
                      absl::StrCat("reading backup ", id, " in ", backup_dir)));
  return Summarize(info);
}

absl::StatusOr<std::vector<BackupSummary>> ListBackups(
    const std::string& backup_dir) {
  absl::MutexLock lock(&BackupMutex());
  std::error_code ec;
  if (!std::filesystem::is_directory(backup_dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("backup dir ", backup_dir, " does not exist"));
  }
  if (!HasBackups(backup_dir)) return std::vector<BackupSummary>();
  PULSE_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                         OpenReadOnly(backup_dir));
  return Summaries(*engine);
}

absl::StatusOr<BackupSummary> RestoreBackup(const std::string& backup_dir,
                                            const std::string& data_dir,
                                            std::optional<uint32_t> id) {
  std::error_code ec;
  if (!std::filesystem::is_directory(backup_dir, ec) ||
      !HasBackups(backup_dir)) {
    return absl::NotFoundError(absl::StrCat("no backups in ", backup_dir));
  }
  // RestoreDBFromBackup empties the target first: never let it near a
  // directory that holds anything, above all a live database.
  if (std::filesystem::exists(data_dir, ec)) {
    if (!std::filesystem::is_directory(data_dir, ec)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data dir ", data_dir, " exists and is not a directory"));
    }
    if (!std::filesystem::is_empty(data_dir, ec) || ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("data dir ", data_dir,
                       " is not empty; restore into a new or empty directory"));
    }
  }
  PULSE_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                         OpenReadOnly(backup_dir));
  const std::vector<BackupSummary> backups = Summaries(*engine);
  if (backups.empty()) {
    return absl::NotFoundError(absl::StrCat("no backups in ", backup_dir));
  }
  const BackupSummary* chosen = &backups.back();
  if (id.has_value()) {
    chosen = nullptr;
    for (const BackupSummary& b : backups) {
      if (b.id == *id) chosen = &b;
    }
    if (chosen == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("backup_id: no backup ", *id, " in ", backup_dir));
    }
  }
  const bool existed = std::filesystem::exists(data_dir, ec);
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("creating data dir ", data_dir, ": ", ec.message()));
  }
  const rocksdb::Status copied = engine->RestoreDBFromBackup(
      rocksdb::RestoreOptions(), chosen->id, data_dir, data_dir);
  const std::string context =
      absl::StrCat("restoring backup ", chosen->id, " into ", data_dir);
  // Damage found while restoring is the backup's, not a data dir's.
  const absl::Status restored =
      copied.IsCorruption()
          ? absl::DataLossError(absl::StrCat(
                context, ": ", copied.ToString(), "; backup ", chosen->id,
                " is damaged: restore another (--backup_id; pulse backup "
                "list shows them)"))
          : FromRocksStatus(copied, context);
  if (!restored.ok()) {
    // A part of a database would open as a new, nearly empty one: leave the
    // directory as it was found (it held nothing), so a retry can use it.
    // The engine first: its copies may still be running after the error.
    engine.reset();
    std::filesystem::remove_all(data_dir, ec);
    if (existed) std::filesystem::create_directory(data_dir, ec);
    return absl::Status(
        restored.code(),
        absl::StrCat(restored.message(), "; the partial restore was removed"));
  }
  return *chosen;
}

}  // namespace pulse::storage
