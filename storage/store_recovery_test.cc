// Store's recovery from failed writes (store_recovery.cc), through a file
// system that fails on demand.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/backup.h"
#include "storage/store.h"
#include "storage/test_util.h"

namespace pulse::storage {
namespace {

using rocksdb::DataVerificationInfo;
using rocksdb::FileOptions;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// A file system whose writes fail on demand.
class FailingFs : public rocksdb::FileSystemWrapper {
 public:
  FailingFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

  static const char* kClassName() { return "FailingFs"; }
  const char* Name() const override { return kClassName(); }

  // The next append to a write-ahead log writes its bytes and then reports
  // an I/O error: the record is whole on disk, but RocksDB and the store take
  // the write as failed.
  void FailNextWalAppend() { fail_next_wal_append_ = true; }
  // While broken, every append to every file fails and writes nothing.
  void SetBroken(bool broken) { broken_ = broken; }
  // While set, every append to a table (.sst) file fails and writes nothing:
  // flushes and compactions fail, the WAL, the MANIFEST and the store's
  // write probe still work.
  void SetTablesBroken(bool broken) { tables_broken_ = broken; }

  IOStatus NewWritableFile(const std::string& fname, const FileOptions& opts,
                           std::unique_ptr<FSWritableFile>* result,
                           IODebugContext* dbg) override {
    IOStatus s = target()->NewWritableFile(fname, opts, result, dbg);
    if (s.ok()) {
      *result = std::make_unique<File>(std::move(*result), this,
                                       absl::EndsWith(fname, ".log"),
                                       absl::EndsWith(fname, ".sst"));
    }
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<FSWritableFile> file, FailingFs* fs, bool wal,
         bool table)
        : FSWritableFileOwnerWrapper(std::move(file)),
          fs_(fs),
          wal_(wal),
          table_(table) {}

    IOStatus Append(const Slice& data, const IOOptions& options,
                    IODebugContext* dbg) override {
      if (Broken()) return IOStatus::IOError("injected: the disk fails");
      return Written(target()->Append(data, options, dbg));
    }
    IOStatus Append(const Slice& data, const IOOptions& options,
                    const DataVerificationInfo& info,
                    IODebugContext* dbg) override {
      if (Broken()) return IOStatus::IOError("injected: the disk fails");
      return Written(target()->Append(data, options, info, dbg));
    }

   private:
    bool Broken() const {
      return fs_->broken_ || (table_ && fs_->tables_broken_);
    }
    IOStatus Written(IOStatus s) {
      if (!s.ok() || !wal_ || !fs_->fail_next_wal_append_.exchange(false))
        return s;
      return IOStatus::IOError("injected: the WAL append wrote and failed");
    }

    FailingFs* fs_;
    const bool wal_;
    const bool table_;
  };

  std::atomic<bool> fail_next_wal_append_{false};
  std::atomic<bool> broken_{false};
  std::atomic<bool> tables_broken_{false};
};

class StoreRecovery : public StoreTest {
 protected:
  StoreRecovery()
      : fs_(std::make_shared<FailingFs>()),
        env_(rocksdb::NewCompositeEnv(fs_)) {
    options_.env = env_.get();
  }
  void TearDown() override { store_.reset(); }  // before env_

  absl::Status FailedWrite(const WriteInput& input) {
    fs_->FailNextWalAppend();
    absl::StatusOr<WriteResult> r = store_->Write(input);
    return r.status();
  }

  std::string AccountOf(const std::string& post_id) {
    absl::StatusOr<std::optional<PostMeta>> meta = store_->GetPost(post_id);
    EXPECT_TRUE(meta.ok()) << meta.status();
    return meta.ok() && meta->has_value() ? (*meta)->account_id : "";
  }

  // Backs the store up, restores the backup into a new directory (through
  // the default file system, which works) and returns the restored post's
  // likes; -1 (with a failure) when a step fails.
  int64_t LikesInARestoredBackup(const std::string& post_id) {
    const std::string backups = dir_.path() + "/backups";
    absl::StatusOr<BackupSummary> backup = CreateBackup(*store_, backups);
    EXPECT_TRUE(backup.ok()) << backup.status();
    if (!backup.ok()) return -1;
    const std::string target =
        dir_.path() + "/restored" + std::to_string(backup->id);
    absl::StatusOr<BackupSummary> restored =
        RestoreBackup(backups, target, backup->id);
    EXPECT_TRUE(restored.ok()) << restored.status();
    if (!restored.ok()) return -1;
    StoreOptions options = options_;
    options.data_dir = target;
    options.env = nullptr;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return -1;
    absl::StatusOr<Counts> totals = (*store)->GetTotals(Scope::kPost, post_id);
    EXPECT_TRUE(totals.ok()) << totals.status();
    return totals.ok() ? (*totals)[kLikes] : -1;
  }

  // Calls `attempt` every 5 ms until it returns OK or 30 s have passed, and
  // returns its last status.
  static absl::Status UntilOk(const std::function<absl::Status()>& attempt) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    absl::Status s;
    while (!(s = attempt()).ok() && absl::Now() < deadline)
      absl::SleepFor(absl::Milliseconds(5));
    return s;
  }

  // The value Stats() reports under `name`; max when it reports none.
  uint64_t Stat(const std::string& name) {
    for (const auto& [stat, value] : store_->Stats()) {
      if (stat == name) return value;
    }
    return UINT64_MAX;
  }

  std::shared_ptr<FailingFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

// RocksDB rates an I/O error appending to the WAL (other than a full disk)
// fatal and will not resume from it: the store reopens the database on the
// next write. The failed batch's record was whole, so the reopen's replay
// stores it after all, and its retry is recognised by its producer sequence:
// every batch counts once, also after a restart.
TEST_F(StoreRecovery, AnIoErrorOnTheWalIsRecoveredByAReopen) {
  MustWrite(
      FromProducer("prod", 1, Batch({Post("p1", "acct", {})}, {Like("p1")})));
  const absl::Status failed =
      FailedWrite(FromProducer("prod", 2, Batch({}, {Like("p1")})));
  ASSERT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_TRUE(absl::StrContains(failed.message(), "not stored")) << failed;
  EXPECT_TRUE(absl::StrContains(failed.message(), "injected: the WAL append"))
      << failed;
  // The retry: stored now, or recognised as stored by the replay.
  ASSERT_TRUE(
      store_->Write(FromProducer("prod", 2, Batch({}, {Like("p1")}))).ok());
  MustWrite(FromProducer("prod", 3, Batch({}, {Like("p1")})));
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
  EXPECT_EQ(Totals(Scope::kAccount, "acct")[kLikes], 3);
  Reopen();
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
  EXPECT_TRUE(MustWrite(FromProducer("prod", 2, Batch({}, {Like("p1")})))
                  .duplicate_batch);
}

// A reopen's replay may store a batch whose write was reported failed (here
// new metadata of a cached post). The post cache must then forget what it
// held: engagements are attributed to the metadata the replay wrote, not to
// the cached metadata it replaced.
TEST_F(StoreRecovery, AReopenAfterAWalFailureAttributesByTheReplayedMetadata) {
  MustWrite(Batch({Post("p1", "old", {})}));  // cached
  const absl::Status failed = FailedWrite(Batch({Post("p1", "new", {})}));
  ASSERT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  MustWrite(Batch({}, {Like("p1")}));
  EXPECT_EQ(AccountOf("p1"), "new");
  EXPECT_EQ(Totals(Scope::kAccount, "new")[kLikes], 1);
  EXPECT_EQ(Totals(Scope::kAccount, "old")[kLikes], 0);
}

// While the disk still fails, the database stays open: reads go on and
// writes answer UNAVAILABLE. Once it works, a write within the backoff
// (1 s after the first failed try) reopens the database.
TEST_F(StoreRecovery, WhileTheDiskFailsReadsGoOnAndOnceItWorksWritesRecover) {
  MustWrite(
      FromProducer("prod", 1, Batch({Post("p1", "acct", {})}, {Like("p1")})));
  fs_->SetBroken(true);
  const WriteInput second = FromProducer("prod", 2, Batch({}, {Like("p1")}));
  for (int i = 0; i < 3; ++i) {  // the first fails, the second tries to
                                 // recover, the third waits out the backoff
    const absl::Status s = store_->Write(second).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 1);
  EXPECT_EQ(AccountOf("p1"), "acct");
  // A backup cannot flush now; it copies the WAL instead (to a backup dir
  // on a disk that works) and holds every acknowledged write.
  EXPECT_EQ(Stat("storage.writes-failing"), 1u);
  EXPECT_EQ(LikesInARestoredBackup("p1"), 1);

  fs_->SetBroken(false);
  const absl::Status s =
      UntilOk([&] { return store_->Write(second).status(); });
  ASSERT_TRUE(s.ok()) << s;
  MustWrite(FromProducer("prod", 3, Batch({}, {Like("p1")})));
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
  Reopen();
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
}

// Recover() recovers as a write would, so that a store whose disk works
// again takes writes (and says so) before one arrives.
TEST_F(StoreRecovery, RecoverNeedsNoWrite) {
  MustWrite(Batch({Post("p1", "acct", {})}, {Like("p1")}));
  fs_->SetBroken(true);
  EXPECT_EQ(store_->Write(Batch({}, {Like("p1")})).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->Recover().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stat("storage.writes-failing"), 1u);

  fs_->SetBroken(false);
  const absl::Status s = UntilOk([&] { return store_->Recover(); });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Stat("storage.writes-failing"), 0u);
  EXPECT_TRUE(store_->Recover().ok());  // nothing to do
  MustWrite(Batch({}, {Like("p1")}));
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 2);
}

// The server calls Recover() from a thread of its own while ingest writes:
// both recover under the write lock, and every batch counts once.
TEST_F(StoreRecovery, RecoverFromAnotherThreadWhileWritesGoOn) {
  MustWrite(
      FromProducer("prod", 1, Batch({Post("p1", "acct", {})}, {Like("p1")})));
  std::atomic<bool> stop{false};
  std::thread maintenance([&] {
    while (!stop.load()) {
      store_->Recover().IgnoreError();
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  fs_->SetBroken(true);
  const WriteInput second = FromProducer("prod", 2, Batch({}, {Like("p1")}));
  EXPECT_EQ(store_->Write(second).status().code(),
            absl::StatusCode::kUnavailable);
  fs_->SetBroken(false);
  const absl::Status s =
      UntilOk([&] { return store_->Write(second).status(); });
  EXPECT_TRUE(s.ok()) << s;
  for (uint64_t seq = 3; seq <= 20; ++seq) {
    MustWrite(FromProducer("prod", seq, Batch({}, {Like("p1")})));
  }
  stop = true;
  maintenance.join();
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 20);
  EXPECT_EQ(Stat("storage.writes-failing"), 0u);
  Reopen();
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 20);
}

// A reopen that cannot write the table files its WAL replay flushes into
// (the write probe passes, the open fails): the store opens the database
// read-only, so reads go on from the replayed WAL while writes answer
// UNAVAILABLE; once tables can be written, a later write reopens it for
// writing and nothing acknowledged is lost.
TEST_F(StoreRecovery, WhileAReopenFailsReadsGoOnFromAReadOnlyOpen) {
  MustWrite(
      FromProducer("prod", 1, Batch({Post("p1", "acct", {})}, {Like("p1")})));
  fs_->SetTablesBroken(true);
  const WriteInput second = FromProducer("prod", 2, Batch({}, {Like("p1")}));
  EXPECT_EQ(FailedWrite(second).code(), absl::StatusCode::kUnavailable);

  // Past the first backoff step, a write reopens: the open's flush fails.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  absl::Status s;
  while (!absl::StrContains((s = store_->Write(second).status()).message(),
                            "read-only") &&
         absl::Now() < deadline) {
    ASSERT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  ASSERT_TRUE(absl::StrContains(s.message(), "read-only")) << s;

  // Reads answer from the replayed WAL: the refused batch's record was whole.
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 2);
  EXPECT_EQ(AccountOf("p1"), "acct");
  Store::EntityQuery query;  // one MultiGet, as GetPostStats reads
  query.scope = Scope::kPost;
  query.id = "p1";
  absl::StatusOr<Store::EntityFigures> figures = store_->ReadEntity(query);
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->totals[kLikes], 2);
  EXPECT_EQ(store_->CompactAll().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stat("storage.read-only"), 1u);
  // A backup of the read-only database holds what its reads show.
  EXPECT_EQ(LikesInARestoredBackup("p1"), 2);

  fs_->SetTablesBroken(false);
  s = UntilOk([&] { return store_->Write(second).status(); });
  ASSERT_TRUE(s.ok()) << s;  // a duplicate of the replayed batch: no change
  MustWrite(FromProducer("prod", 3, Batch({}, {Like("p1")})));
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
  EXPECT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(Stat("storage.read-only"), 0u);
  EXPECT_EQ(Stat("storage.writes-failing"), 0u);
  Reopen();
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
}

// A reopen needs the database to itself, but does not queue for it behind a
// long read: absl::Mutex would hold every later read behind the waiting
// reopen until the scan ended. Recover answers at once, reads go on, and
// once the scan is over the next Recover reopens.
TEST_F(StoreRecovery, ALongScanPostponesTheReopenAndReadsGoOn) {
  MustWrite(Batch({Post("p1", "acct", {})}, {Like("p1")}));
  ASSERT_EQ(FailedWrite(Batch({}, {Like("p1")})).code(),
            absl::StatusCode::kUnavailable);

  absl::Notification scanning, release;
  std::thread scan([&] {
    const absl::Status s = store_->ScanActivity(
        Resolution::kMinute, kTestStart - absl::Hours(1),
        kTestStart + absl::Hours(1),
        [&](Scope, absl::Time, std::string_view, const Counts&) {
          if (!scanning.HasBeenNotified()) scanning.Notify();
          // Bounded, so that a read stuck behind the scan ends the test.
          release.WaitForNotificationWithTimeout(absl::Seconds(4));
          return false;
        });
    EXPECT_TRUE(s.ok()) << s;
  });
  ASSERT_TRUE(scanning.WaitForNotificationWithTimeout(absl::Seconds(30)));

  absl::Notification recovered;
  absl::Status recover;
  std::thread recovery([&] {
    recover = store_->Recover();
    recovered.Notify();
  });
  // Reads while the recovery runs, up to 2 s: none waits for the scan.
  absl::Duration slowest;
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (!recovered.HasBeenNotified() && absl::Now() < deadline) {
    const absl::Time start = absl::Now();
    EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 1);
    slowest = std::max(slowest, absl::Now() - start);
  }
  const bool recover_returned =
      recovered.WaitForNotificationWithTimeout(absl::ZeroDuration());
  release.Notify();
  recovery.join();
  scan.join();
  EXPECT_LT(slowest, absl::Seconds(1));
  EXPECT_TRUE(recover_returned) << "Recover waited for the scan";
  EXPECT_EQ(recover.code(), absl::StatusCode::kUnavailable) << recover;
  EXPECT_TRUE(absl::StrContains(recover.message(), "waits for a long read"))
      << recover;

  // The scan is over: the reopen goes ahead, with no backoff to wait out.
  const absl::Status s = store_->Recover();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Stat("storage.writes-failing"), 0u);
  MustWrite(Batch({}, {Like("p1")}));
  // The failed batch's record was whole: the reopen's replay stored it.
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
}

// A snapshot (the boards' rebuild reads through one) holds a reopen off as
// well: a reopen would release it and fail the rebuild's scans. Writes keep
// failing while it lives; once it is gone, Recover reopens.
TEST_F(StoreRecovery, ASnapshotIsNotEndedByARecovery) {
  MustWrite(Batch({Post("p1", "acct", {})}, {Like("p1")}));
  absl::StatusOr<std::unique_ptr<StoreSnapshot>> snapshot =
      store_->TakeSnapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(FailedWrite(Batch({}, {Like("p1")})).code(),
            absl::StatusCode::kUnavailable);

  const absl::Status postponed = store_->Recover();
  EXPECT_EQ(postponed.code(), absl::StatusCode::kUnavailable) << postponed;
  EXPECT_TRUE(absl::StrContains(postponed.message(), "snapshot")) << postponed;
  int64_t likes = 0;
  const absl::Status scanned = store_->ScanActivity(
      Resolution::kMinute, kTestStart - absl::Hours(1),
      kTestStart + absl::Hours(1),
      [&](Scope scope, absl::Time, std::string_view, const Counts& counts) {
        if (scope == Scope::kPost) likes += counts[kLikes];
        return true;
      },
      snapshot->get());
  EXPECT_TRUE(scanned.ok()) << scanned;
  EXPECT_EQ(likes, 1);

  snapshot->reset();
  const absl::Status s = store_->Recover();
  ASSERT_TRUE(s.ok()) << s;
  MustWrite(Batch({}, {Like("p1")}));
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
}

}  // namespace
}  // namespace pulse::storage
