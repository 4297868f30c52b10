// Private to pulse_storage: how the store notices, reports and logs that
// RocksDB cannot write (disk full, I/O error, corruption found by a
// background job) and that it can again. Recovery itself is in
// store_recovery.cc.
//
// RocksDB turns such an error into a "background error" and refuses every
// write until DB::Resume(); reads go on. Its own automatic recovery from a
// full disk waits for more free space than a whole write buffer (64 MiB per
// column family) and keeps DB::Resume() busy meanwhile, so the store turns it
// off and resumes by itself (store_recovery.cc).
#ifndef PULSE_STORAGE_WRITE_ERRORS_H_
#define PULSE_STORAGE_WRITE_ERRORS_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/env.h"
#include "rocksdb/listener.h"
#include "rocksdb/status.h"

namespace pulse::storage {

// What a write answers while RocksDB cannot write: UNAVAILABLE for a full
// disk or an I/O error (saying that the batch was not stored and may be
// retried), DATA_LOSS for corruption, as FromRocksStatus otherwise.
absl::Status WriteErrorStatus(const rocksdb::Status& s,
                              const std::string& data_dir);

// Whether writes are failing, and why. Thread-safe; never blocks on I/O
// (it logs one line on each change).
class WriteErrors {
 public:
  explicit WriteErrors(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  // Records that RocksDB refused or failed a write with `s` (not OK);
  // `in_wal` when appending to the write-ahead log failed. Logs the first
  // error after a success, at ERROR.
  void Failed(const rocksdb::Status& s, bool in_wal);
  // Records that writes work again; logs it, with how long they failed and
  // `how` ("resume", "reopen"), if they were failing.
  void Recovered(const char* how);

  // True from Failed until Recovered.
  bool failing() const { return failing_.load(std::memory_order_acquire); }
  // True when the last error is a full disk (RocksDB's NoSpace).
  bool no_space() const;
  // True when, since the last success, appending to the WAL failed: RocksDB
  // takes no more writes into that WAL file.
  bool wal_failed() const;
  // The status a write answers while failing (WriteErrorStatus of the error).
  absl::Status status() const;

 private:
  const std::string data_dir_;
  std::atomic<bool> failing_{false};
  mutable absl::Mutex mu_;
  rocksdb::Status error_ ABSL_GUARDED_BY(mu_);
  bool wal_failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time since_ ABSL_GUARDED_BY(mu_);
};

// Hears RocksDB's background errors: records them in a WriteErrors and turns
// RocksDB's own recovery off (store_recovery.cc resumes instead). Its
// callbacks run on RocksDB's threads with its mutex held: they only record.
class WriteErrorListener : public rocksdb::EventListener {
 public:
  explicit WriteErrorListener(std::shared_ptr<WriteErrors> errors)
      : errors_(std::move(errors)) {}
  const char* Name() const override { return "PulseWriteErrorListener"; }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason,
                            rocksdb::Status bg_error,
                            bool* auto_recovery) override;

 private:
  std::shared_ptr<WriteErrors> errors_;
};

// RocksDB's info log, sent to Pulse's log (server/log.h) rather than to a LOG
// file in the data dir: warnings and errors only. A LOG file on a full disk
// fails, and Debian's librocksdb (built with assertions) aborts the process
// on the next line written to a file that failed.
// `salvage_wal`: as StoreOptions::salvage_wal, for what the log says of a
// damaged write-ahead log.
std::shared_ptr<rocksdb::Logger> NewRocksLogger(bool salvage_wal);

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_WRITE_ERRORS_H_
