// Backups of a Store's database with RocksDB's BackupEngine: taken from the
// open database while writes go on, listed, and restored offline into a new
// data dir.
//
// Like the rest of pulse_storage, this knows nothing of RPCs: callers map
// the statuses to their own world.
#ifndef PULSE_STORAGE_BACKUP_H_
#define PULSE_STORAGE_BACKUP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace rocksdb {
class BackupEngine;
}  // namespace rocksdb

namespace pulse::storage {

class BackupStopper;

// One backup in a backup directory.
struct BackupSummary {
  uint32_t id = 0;  // increasing from 1 within one directory
  absl::Time created;
  uint64_t size_bytes = 0;  // files shared with other backups included
  uint32_t file_count = 0;
};

// Backs `store` up into `backup_dir` (created if missing) and, when `keep`
// > 0, then deletes all but the newest `keep` backups. Memtables are flushed
// first (or, while the store cannot write, the live WAL files copied
// instead), so the backup holds every write acknowledged before the call
// and none that started after it; writes may continue meanwhile. Calls in
// one process are serialized. Blocks on disk I/O (copies every new SST
// file). CANCELLED once `stopper` (when not null) is stopped.
absl::StatusOr<BackupSummary> CreateBackup(Store& store,
                                           const std::string& backup_dir,
                                           uint32_t keep = 0,
                                           BackupStopper* stopper = nullptr);

// Stops the backups that are given it, so that a shutdown need not wait
// for a backup to copy every file. Thread-safe.
class BackupStopper {
 public:
  // Stops the running backup, if any (RocksDB's StopBackup: it returns
  // soon), and makes every later one return CANCELLED at once.
  void Stop();

 private:
  friend absl::StatusOr<BackupSummary> CreateBackup(Store&, const std::string&,
                                                    uint32_t, BackupStopper*);
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  rocksdb::BackupEngine* running_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// The backups in `backup_dir`, oldest first. NOT_FOUND when the directory
// does not exist. Blocks on disk I/O.
absl::StatusOr<std::vector<BackupSummary>> ListBackups(
    const std::string& backup_dir);

// Restores backup `id` (the newest when nullopt) of `backup_dir` into
// `data_dir`, which must not exist or be empty (FAILED_PRECONDITION naming
// it otherwise); no Store may have data_dir open. Blocks on disk I/O.
absl::StatusOr<BackupSummary> RestoreBackup(const std::string& backup_dir,
                                            const std::string& data_dir,
                                            std::optional<uint32_t> id);

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_BACKUP_H_
