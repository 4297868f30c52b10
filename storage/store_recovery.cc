// Store's recovery from write errors (write_errors.h): DB::Resume(), and a
// reopen where Resume is not enough.
//
// RocksDB 7.8's Resume() flushes the memtables and thereby switches to a new
// WAL, but only when some memtable holds data. After a failed WAL append with
// every memtable empty (e.g. right after a restart, whose recovery flushes
// them) it clears the error and keeps the failed WAL, and the next write fails
// again (Debian's librocksdb, built with assertions, aborts on it). Then the
// store closes and reopens the database: the reopen replays the WAL up to the
// torn record of the failed write (no acknowledged write comes after it) and
// starts a new one. RocksDB resumes from no error it rates fatal, such as an
// I/O error (EIO, not a full disk) appending to the WAL: the store reopens
// the database then too, once a file can be written again (until then the
// database stays open for reads). A reopen can fail where the probe passed
// (the WAL replay flushes into table files, and those may fail): then the
// store opens the database read-only, which replays the WAL into memory and
// writes nothing, so reads go on; later writes (and Store::Recover) retry
// the reopen.
//
// A reopen needs the database to itself, but never queues for it: a writer
// waiting on absl::Mutex holds off every new reader, so a reopen queued
// behind a long scan or a backup would stall every read and write until it
// ended. It takes the lock only when no long read runs and no snapshot
// lives (a reopen would end the snapshot, and the boards' rebuild with it),
// within a few milliseconds of short reads; otherwise it is left for the
// next write or Store::Recover (every second), with no backoff step.
#include <sys/statvfs.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/transaction_log.h"
#include "server/log.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/store_impl.h"

namespace pulse::storage {
namespace {

constexpr absl::Duration kMaxRecoveryBackoff = absl::Seconds(30);
// How long a reopen tries to take the database from short reads.
constexpr absl::Duration kReopenLockWait = absl::Milliseconds(50);
// Free space a resume needs besides what the memtables flush into.
constexpr uint64_t kSpareBytes = 1 << 20;

// The number of the WAL that writes go to; 0 when unknown.
uint64_t CurrentWal(rocksdb::DB* db) {
  std::unique_ptr<rocksdb::LogFile> wal;
  if (!db->GetCurrentWalFile(&wal).ok() || wal == nullptr) return 0;
  return wal->LogNumber();
}

// Bytes free for an unprivileged writer under `dir`; max when unknown.
uint64_t FreeBytes(const std::string& dir) {
  struct statvfs st;
  if (statvfs(dir.c_str(), &st) != 0) return UINT64_MAX;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// Whether a small file can be written, synced and removed in `dir` through
// `env`.
bool CanWriteFile(rocksdb::Env* env, const std::string& dir) {
  const std::shared_ptr<rocksdb::FileSystem>& fs = env->GetFileSystem();
  const std::string path = dir + "/write-probe";
  std::unique_ptr<rocksdb::FSWritableFile> file;
  const rocksdb::IOOptions io;
  bool ok =
      fs->NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok();
  if (ok) {
    const std::string block(4096, '\0');
    ok = file->Append(block, io, nullptr).ok() && file->Sync(io, nullptr).ok();
    ok = file->Close(io, nullptr).ok() && ok;
  }
  return fs->DeleteFile(path, io, nullptr).ok() && ok;
}

}  // namespace

bool Store::Impl::TryLockForReopen(const char** busy) {
  const absl::Time deadline = absl::Now() + kReopenLockWait;
  while (true) {
    if (long_reads.load() > 0) {
      *busy = "a long read (a scan, a backup or a compaction)";
      return false;
    }
    if (db_mu.WriterTryLock()) {
      bool snapshot_alive;
      {
        absl::MutexLock lock(&snapshots_mu);
        snapshot_alive = !snapshots.empty();
      }
      if (!snapshot_alive) return true;
      db_mu.Unlock();
      *busy = "a read through a snapshot (the boards' rebuild)";
      return false;
    }
    if (absl::Now() >= deadline) {
      *busy = "reads";
      return false;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
}

absl::Status Store::Impl::MaybeRecover() {
  if (!write_errors->failing()) return absl::OkStatus();
  const absl::Time now = absl::Now();
  if (now < next_recovery) return write_errors->status();
  if (write_errors->no_space()) {
    // A flush into a still full disk would only fail again; this costs no
    // backoff step, so a freed disk is used at once.
    uint64_t memtables = 0;
    {
      absl::ReaderMutexLock lock(&db_mu);
      if (db != nullptr) {
        db->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables",
                                     &memtables);
      }
    }
    if (FreeBytes(options.data_dir) < memtables + kSpareBytes)
      return write_errors->status();
  }
  const auto back_off = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu) {
    next_recovery = now + recovery_backoff;
    recovery_backoff = std::min(recovery_backoff * 2, kMaxRecoveryBackoff);
  };

  if (!reopen_pending) {
    bool reopen = true;
    absl::ReaderMutexLock lock(&db_mu);
    // A read-only database has nothing to resume: it is reopened.
    if (db != nullptr && !read_only) {
      const uint64_t wal_before = CurrentWal(db.get());
      rocksdb::Status s = db->Resume();
      if (s.ok()) {
        reopen = write_errors->wal_failed() &&
                 (wal_before == 0 || CurrentWal(db.get()) == wal_before);
      } else if (s.severity() != rocksdb::Status::Severity::kFatalError ||
                 !CanWriteFile(options.env != nullptr ? options.env
                                                      : rocksdb::Env::Default(),
                               options.data_dir)) {
        // Still failing: the error is logged already; the next try comes
        // after the backoff.
        back_off();
        return write_errors->status();
      }
      // Else RocksDB rates the error fatal and resumes from none such (an
      // I/O error other than a full disk appending to the WAL), and the disk
      // takes writes again: only a reopen clears the error.
    }
    reopen_pending = reopen;
  }
  const bool reopen = reopen_pending;
  if (reopen) {
    const char* busy = "";
    if (!TryLockForReopen(&busy)) {
      // The next write, or Recover a second later, tries again: a long read
      // ends, and a reopen takes milliseconds.
      const absl::Status failing = write_errors->status();
      return absl::Status(failing.code(),
                          absl::StrCat(failing.message(),
                                       "; the reopen that recovers waits for ",
                                       busy, " to end"));
    }
    reopen_pending = false;
    CloseDb();
    // The reopen may replay a batch whose write was reported failed (its WAL
    // record turned out whole): the cache must not hold what it replaced.
    post_cache.Clear();
    const absl::Status s = OpenDb();
    const absl::Status read_only_open =
        s.ok() ? absl::OkStatus() : OpenDb(OpenMode::kReadOnly);
    db_mu.Unlock();
    if (!s.ok()) {
      back_off();
      server::Log(
          server::LogLevel::kWarning,
          absl::StrCat("storage reopen failed data_dir=", options.data_dir,
                       " error=\"", s.message(), "\": ",
                       read_only_open.ok()
                           ? "now open read-only, reads go on"
                           : absl::StrCat("reads fail too (read-only open: ",
                                          read_only_open.message(), ")"),
                       "; tries again in ",
                       absl::FormatDuration(next_recovery - now)));
      return absl::UnavailableError(absl::StrCat(
          "storage is ", read_only_open.ok() ? "read-only" : "closed",
          " after a failed reopen: ", s.message(),
          "; the batch was not stored: retry it later"));
    }
  }
  next_recovery = absl::InfinitePast();
  recovery_backoff = absl::Seconds(1);
  write_errors->Recovered(reopen ? "reopen" : "resume");
  return absl::OkStatus();
}

absl::Status Store::Recover() {
  if (!impl_->write_errors->failing()) return absl::OkStatus();
  absl::MutexLock lock(&impl_->write_mu);
  return impl_->MaybeRecover();
}

}  // namespace pulse::storage
