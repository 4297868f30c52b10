// Backups on a real RocksDB: taken while a writer writes, listed, purged,
// restored into a new directory and reopened with exact counts.
#include "storage/backup.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/store.h"
#include "storage/test_util.h"

namespace pulse::storage {
namespace {

class Backup : public StoreTest {
 protected:
  std::string BackupDir() const { return dir_.path() + "/backups"; }

  // `n` likes of post "p" in one batch.
  static WriteInput Likes(int n) {
    WriteInput in;
    for (int i = 0; i < n; ++i) in.engagements.push_back(Like("p"));
    return in;
  }

  BackupSummary MustBackUp(uint32_t keep = 0) {
    absl::StatusOr<BackupSummary> b = CreateBackup(*store_, BackupDir(), keep);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *b : BackupSummary{};
  }

  // Restores backup `id` (the newest when nullopt) into a new directory and
  // opens a store on it.
  std::unique_ptr<Store> Restored(std::optional<uint32_t> id = std::nullopt) {
    const std::string target =
        dir_.path() + "/restored" + std::to_string(restores_++);
    absl::StatusOr<BackupSummary> r = RestoreBackup(BackupDir(), target, id);
    EXPECT_TRUE(r.ok()) << r.status();
    StoreOptions options = options_;
    options.data_dir = target;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static int64_t GlobalLikes(Store& store) {
    absl::StatusOr<Counts> c = store.GetTotals(Scope::kGlobal, "");
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? (*c)[kLikes] : -1;
  }

  int restores_ = 0;
};

TEST_F(Backup, RestoreHoldsExactlyWhatWasWrittenBeforeTheBackup) {
  for (int i = 0; i < 20; ++i) MustWrite(Likes(5));
  ASSERT_EQ(GlobalLikes(*store_), 100);
  MustBackUp();
  for (int i = 0; i < 10; ++i) MustWrite(Likes(3));
  ASSERT_EQ(GlobalLikes(*store_), 130);

  std::unique_ptr<Store> restored = Restored();
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(GlobalLikes(*restored), 100);
  absl::StatusOr<Counts> post = restored->GetTotals(Scope::kPost, "p");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ((*post)[kLikes], 100);
}

TEST_F(Backup, ABackupTakenWhileAWriterWritesHoldsWholeBatchesOnly) {
  constexpr int kBatch = 7;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> acknowledged{0};
  std::thread writer([&] {
    while (!stop.load()) {
      absl::StatusOr<WriteResult> r = store_->Write(Likes(kBatch));
      ASSERT_TRUE(r.ok()) << r.status();
      acknowledged.fetch_add(kBatch);
    }
  });
  while (acknowledged.load() < 50 * kBatch) std::this_thread::yield();
  const int64_t before = acknowledged.load();
  MustBackUp();
  const int64_t after = acknowledged.load();
  while (acknowledged.load() < after + 20 * kBatch) std::this_thread::yield();
  stop = true;
  writer.join();

  std::unique_ptr<Store> restored = Restored();
  ASSERT_NE(restored, nullptr);
  const int64_t likes = GlobalLikes(*restored);
  EXPECT_GE(likes, before);
  EXPECT_LE(likes, after + kBatch);  // the batch in flight may be in
  EXPECT_EQ(likes % kBatch, 0) << "a batch was split by the backup";
  absl::StatusOr<Counts> post = restored->GetTotals(Scope::kPost, "p");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ((*post)[kLikes], likes);
  EXPECT_LT(likes, GlobalLikes(*store_));
}

// Shutdown stops backups: once the stopper is stopped, a backup (one that
// waited for the running one, say) answers CANCELLED at once and writes none.
TEST_F(Backup, AStoppedStopperCancelsTheBackupsAfterIt) {
  MustWrite(Likes(5));
  BackupStopper stopper;
  absl::StatusOr<BackupSummary> first =
      CreateBackup(*store_, BackupDir(), 0, &stopper);
  ASSERT_TRUE(first.ok()) << first.status();
  stopper.Stop();
  absl::StatusOr<BackupSummary> second =
      CreateBackup(*store_, BackupDir(), 0, &stopper);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kCancelled)
      << second.status();
  absl::StatusOr<std::vector<BackupSummary>> list = ListBackups(BackupDir());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 1u);
}

// A file system whose sequential reads, how a backup copies the database's
// files, wait while held.
class HeldReadsFs : public rocksdb::FileSystemWrapper {
 public:
  HeldReadsFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

  static const char* kClassName() { return "HeldReadsFs"; }
  const char* Name() const override { return kClassName(); }

  void Hold() {
    absl::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    held_ = false;
  }
  // True once a read waits, false if none did within `timeout`.
  bool WaitForAHeldRead(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&waiting_), timeout);
  }

  rocksdb::IOStatus NewSequentialFile(
      const std::string& fname, const rocksdb::FileOptions& opts,
      std::unique_ptr<rocksdb::FSSequentialFile>* result,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewSequentialFile(fname, opts, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }

 private:
  class File : public rocksdb::FSSequentialFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSSequentialFile> file, HeldReadsFs* fs)
        : FSSequentialFileOwnerWrapper(std::move(file)), fs_(fs) {}

    rocksdb::IOStatus Read(size_t n, const rocksdb::IOOptions& options,
                           rocksdb::Slice* result, char* scratch,
                           rocksdb::IODebugContext* dbg) override {
      {
        absl::MutexLock lock(&fs_->mu_);
        if (fs_->held_) {
          fs_->waiting_ = true;
          fs_->mu_.Await(absl::Condition(
              +[](bool* held) { return !*held; }, &fs_->held_));
        }
      }
      return target()->Read(n, options, result, scratch, dbg);
    }

   private:
    HeldReadsFs* fs_;
  };

  absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
};

class BackupStopped : public Backup {
 protected:
  BackupStopped()
      : fs_(std::make_shared<HeldReadsFs>()),
        env_(rocksdb::NewCompositeEnv(fs_)) {
    options_.env = env_.get();
  }
  void TearDown() override { store_.reset(); }  // before env_

  std::shared_ptr<HeldReadsFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

// Stopped while it copies the database's files, a backup ends CANCELLED
// without waiting to copy the rest, leaves no backup behind, and the backup
// directory takes the next one.
TEST_F(BackupStopped, AStopDuringABackupCancelsIt) {
  MustWrite(Likes(5));
  fs_->Hold();
  BackupStopper stopper;
  absl::StatusOr<BackupSummary> stopped;
  std::thread backup(
      [&] { stopped = CreateBackup(*store_, BackupDir(), 0, &stopper); });
  const bool held = fs_->WaitForAHeldRead(absl::Seconds(30));
  if (held) stopper.Stop();
  fs_->Release();
  backup.join();
  ASSERT_TRUE(held) << "the backup read no file";
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kCancelled)
      << stopped.status();
  absl::StatusOr<std::vector<BackupSummary>> list = ListBackups(BackupDir());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->empty());

  MustBackUp();
  list = ListBackups(BackupDir());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 1u);
  std::unique_ptr<Store> restored = Restored();
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(GlobalLikes(*restored), 5);
}

TEST_F(Backup, ListReportsEachBackupOldestFirst) {
  MustWrite(Likes(10));
  const absl::Time start = absl::Now();
  const BackupSummary first = MustBackUp();
  MustWrite(Likes(10));
  const BackupSummary second = MustBackUp();
  EXPECT_EQ(first.id, 1u);
  EXPECT_EQ(second.id, 2u);

  absl::StatusOr<std::vector<BackupSummary>> list = ListBackups(BackupDir());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const BackupSummary& b = (*list)[i];
    EXPECT_EQ(b.id, i + 1);
    EXPECT_GT(b.size_bytes, 0u);
    EXPECT_GT(b.file_count, 0u);
    EXPECT_GE(b.created, absl::FromUnixSeconds(absl::ToUnixSeconds(start)));
    EXPECT_LE(b.created, absl::Now());
  }
  EXPECT_EQ((*list)[1].size_bytes, second.size_bytes);
}

TEST_F(Backup, ListOfAMissingDirIsNotFound) {
  absl::StatusOr<std::vector<BackupSummary>> list =
      ListBackups(dir_.path() + "/nowhere");
  EXPECT_EQ(list.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(Backup, KeepDeletesAllButTheNewest) {
  for (int i = 0; i < 3; ++i) {
    MustWrite(Likes(1));
    MustBackUp(/*keep=*/2);
  }
  absl::StatusOr<std::vector<BackupSummary>> list = ListBackups(BackupDir());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, 2u);
  EXPECT_EQ((*list)[1].id, 3u);
}

TEST_F(Backup, RestoreOfAnOlderIdRestoresThatBackup) {
  MustWrite(Likes(4));
  MustBackUp();
  MustWrite(Likes(6));
  MustBackUp();
  std::unique_ptr<Store> first = Restored(1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(GlobalLikes(*first), 4);
  std::unique_ptr<Store> latest = Restored();
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(GlobalLikes(*latest), 10);
}

TEST_F(Backup, RestoreOfAnUnknownIdIsNotFound) {
  MustBackUp();
  absl::StatusOr<BackupSummary> r =
      RestoreBackup(BackupDir(), dir_.path() + "/new", 9);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/new"));
}

TEST_F(Backup, RestoreRefusesADirThatIsNotEmpty) {
  MustBackUp();
  const std::string target = dir_.path() + "/busy";
  std::filesystem::create_directories(target);
  std::ofstream(target + "/keep.txt") << "mine";
  absl::StatusOr<BackupSummary> r = RestoreBackup(BackupDir(), target, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(r.status().message(), target)) << r.status();
  EXPECT_TRUE(std::filesystem::exists(target + "/keep.txt"));
}

TEST_F(Backup, RestoreRefusesTheLiveDataDir) {
  MustBackUp();
  absl::StatusOr<BackupSummary> r =
      RestoreBackup(BackupDir(), options_.data_dir, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(Backup, RestoreIntoAnEmptyExistingDirWorks) {
  MustWrite(Likes(2));
  MustBackUp();
  const std::string target = dir_.path() + "/empty";
  std::filesystem::create_directories(target);
  absl::StatusOr<BackupSummary> r = RestoreBackup(BackupDir(), target, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, 1u);
}

// A restore that fails part way leaves nothing a server would open as a new,
// nearly empty database.
TEST_F(Backup, AFailedRestoreLeavesNoPartialDatabase) {
  MustWrite(Likes(3));
  MustBackUp();
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(BackupDir())) {
    if (entry.path().extension() == ".sst") {
      std::filesystem::resize_file(entry.path(), 10);  // corrupt each table
    }
  }
  const std::string target = dir_.path() + "/partial";
  absl::StatusOr<BackupSummary> r = RestoreBackup(BackupDir(), target, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(
      absl::StrContains(r.status().message(), "partial restore was removed"))
      << r.status();
  // The backup is what is damaged, and another may be whole.
  EXPECT_TRUE(absl::StrContains(r.status().message(),
                                "is damaged: restore "
                                "another (--backup_id"))
      << r.status();
  EXPECT_FALSE(absl::StrContains(r.status().message(), "the data dir is"))
      << r.status();
  EXPECT_FALSE(std::filesystem::exists(target));
  // Into an empty directory given: it is left empty.
  const std::string empty = dir_.path() + "/empty";
  std::filesystem::create_directories(empty);
  ASSERT_FALSE(RestoreBackup(BackupDir(), empty, {}).ok());
  EXPECT_TRUE(std::filesystem::is_empty(empty));
}

TEST_F(Backup, RestoreFromADirWithoutBackupsIsNotFound) {
  absl::StatusOr<BackupSummary> r =
      RestoreBackup(dir_.path(), dir_.path() + "/new", {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
}

using StoreStorage = StoreTest;

TEST_F(StoreStorage, ReportsEveryColumnFamilyAndTheBytesOnDisk) {
  WriteInput in;
  in.engagements.push_back(Like("p"));
  MustWrite(in);
  ASSERT_TRUE(store_->CompactAll().ok());
  const StorageFigures figures = store_->Storage();
  std::vector<std::string> names;
  uint64_t sst = 0;
  for (const ColumnFamilyFigures& cf : figures.column_families) {
    names.push_back(cf.name);
    sst += cf.sst_bytes;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"default", "counters", "activity",
                                      "metadata", "idempotency", "sketches"}));
  EXPECT_GT(sst, 0u);
  EXPECT_GT(figures.disk_bytes, sst);
  EXPECT_EQ(figures.properties.size(), store_->Stats().size());
}

}  // namespace
}  // namespace pulse::storage
