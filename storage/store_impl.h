// Private to pulse_storage: the state behind Store, shared by store.cc (open,
// reads) and store_write.cc (the write path).
#ifndef PULSE_STORAGE_STORE_IMPL_H_
#define PULSE_STORAGE_STORE_IMPL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/key_codec.h"
#include "storage/post_cache.h"
#include "storage/retention_filter.h"
#include "storage/store.h"
#include "storage/write_errors.h"

namespace pulse::storage {

struct Store::Impl {
  explicit Impl(const StoreOptions& opts)
      : options(opts),
        retention{opts.second_retention, opts.minute_retention,
                  opts.hour_retention, opts.day_retention},
        post_cache(opts.post_cache_entries),
        block_cache(opts.block_cache_bytes == 0
                        ? nullptr
                        : rocksdb::NewLRUCache(opts.block_cache_bytes)),
        write_errors(std::make_shared<WriteErrors>(opts.data_dir)) {}
  // Destroys every column family handle, then closes the database.
  ~Impl();

  // Opens the database in options.data_dir and sets db, the handles and
  // read_only. A read-only open replays the WAL into memory and writes no
  // file.
  enum class OpenMode { kReadWrite, kReadOnly };
  absl::Status OpenDb(OpenMode mode = OpenMode::kReadWrite)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu);
  // Destroys the handles and closes the database, if open.
  void CloseDb() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu);
  // UNAVAILABLE while the database is closed (a failed reopen, see
  // store_recovery.cc); OK otherwise.
  absl::Status CheckOpen() const ABSL_SHARED_LOCKS_REQUIRED(db_mu);
  // As CheckOpen, and UNAVAILABLE while the database is open read-only.
  absl::Status CheckWritable() const ABSL_SHARED_LOCKS_REQUIRED(db_mu);

  // While writes fail: at most once per backoff step (1 s doubling to 30 s;
  // not at all while the disk has too little free space), DB::Resume(), and
  // a reopen when Resume cannot switch to a new WAL (store_recovery.cc). A
  // reopen that a long read or a snapshot holds off is left for the next
  // call, with no backoff step. OK when writes work (again). Blocks on disk
  // I/O, never on a reader.
  absl::Status MaybeRecover() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu)
      ABSL_LOCKS_EXCLUDED(db_mu);
  // Takes db_mu exclusively for a reopen without queueing for it: true when
  // it could within a few milliseconds (readers come and go) and no snapshot
  // lives; false at once while a long read runs. When false, *busy says
  // what held it.
  bool TryLockForReopen(const char** busy)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true, db_mu);

  // The write path (store_write.cc); serialized by write_mu.
  absl::StatusOr<WriteResult> Write(const WriteInput& input)
      ABSL_LOCKS_EXCLUDED(write_mu);

  // Post id -> metadata (null when unknown) for one batch; keys view into the
  // input batch, which outlives it.
  using PostMap =
      absl::flat_hash_map<std::string_view, std::shared_ptr<const PostMeta>>;
  // Marks in *dup the ids (ids[i], empty = no dedupe) already seen within the
  // batch or remembered, unexpired, in the idempotency column family, and
  // Puts a fresh record for each new one into `batch`.
  absl::Status DedupeIds(IdempotencyKind kind,
                         const std::vector<std::string_view>& ids,
                         absl::Time now, rocksdb::WriteBatch* batch,
                         std::vector<bool>* dup)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu) ABSL_SHARED_LOCKS_REQUIRED(db_mu);
  // Reads the metadata of `ids` from the metadata column family in sorted
  // MultiGet chunks and calls fn(id, meta) for each known, well-formed one
  // (malformed metadata reads as unknown: re-sending the post heals it).
  absl::Status ReadPosts(
      const std::vector<std::string_view>& ids,
      const std::function<void(std::string_view id, PostMeta meta)>& fn) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu);
  // Resolves into *posts the metadata of `ids` not resolved yet: cache first,
  // then ReadPosts for the rest.
  absl::Status ResolvePosts(const std::vector<std::string_view>& ids,
                            PostMap* posts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu) ABSL_SHARED_LOCKS_REQUIRED(db_mu);

  const StoreOptions options;
  const RetentionPolicy retention;

  // Readers (every read, a write's body, a backup) hold db_mu shared; only
  // a recovery's reopen holds it exclusively, so db and the handles below
  // change only then. A reopen never waits for db_mu (absl::Mutex would
  // queue every later reader behind it, for as long as a scan or a backup
  // holds db_mu): it takes it with a try-lock, or is left for later
  // (TryLockForReopen). A reopen that fails opens the database read-only, so
  // that reads go on; db is null when that fails too.
  mutable absl::Mutex db_mu;  // after write_mu when both are held
  // Reads that may hold db_mu for long (a scan with a caller's callback, a
  // backup, a manual compaction) and are running or about to take db_mu: a
  // reopen does not try while any is.
  mutable std::atomic<int> long_reads{0};
  // Counts one long read for its scope; declare it before the db_mu lock.
  class LongRead {
   public:
    explicit LongRead(const Impl& impl) : count_(impl.long_reads) { ++count_; }
    ~LongRead() { --count_; }
    LongRead(const LongRead&) = delete;
    LongRead& operator=(const LongRead&) = delete;

   private:
    std::atomic<int>& count_;
  };
  std::unique_ptr<rocksdb::DB> db ABSL_GUARDED_BY(db_mu);
  // Changed under db_mu exclusively; read without it by Stats().
  std::atomic<bool> read_only{false};
  // Every handle opened, including "default" and any column family a newer
  // version created; all are destroyed before the DB.
  std::vector<rocksdb::ColumnFamilyHandle*> handles ABSL_GUARDED_BY(db_mu);
  rocksdb::ColumnFamilyHandle* counters ABSL_GUARDED_BY(db_mu) = nullptr;
  rocksdb::ColumnFamilyHandle* activity ABSL_GUARDED_BY(db_mu) = nullptr;
  rocksdb::ColumnFamilyHandle* metadata ABSL_GUARDED_BY(db_mu) = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency ABSL_GUARDED_BY(db_mu) = nullptr;
  rocksdb::ColumnFamilyHandle* sketches ABSL_GUARDED_BY(db_mu) = nullptr;

  // Filled only by Write (under write_mu) so that it never holds metadata
  // older than the metadata column family.
  PostCache post_cache;
  // Shared by every column family's table reader; kept across reopens.
  const std::shared_ptr<rocksdb::Cache> block_cache;

  // Serializes writes so that idempotency read-check-write is atomic and a
  // post counts as new exactly once.
  absl::Mutex write_mu;

  // Whether writes fail (and why); also told by RocksDB's listener.
  std::shared_ptr<WriteErrors> write_errors;
  // When MaybeRecover may try next, and the step after that.
  absl::Time next_recovery ABSL_GUARDED_BY(write_mu) = absl::InfinitePast();
  absl::Duration recovery_backoff ABSL_GUARDED_BY(write_mu) = absl::Seconds(1);
  // A recovery found that only a reopen helps, but could not take db_mu for
  // it yet: the next MaybeRecover goes straight to the reopen.
  bool reopen_pending ABSL_GUARDED_BY(write_mu) = false;
  // The snapshots alive. A reopen waits until there are none, so that a
  // long read through one (the boards' rebuild) is not cut short; CloseDb
  // releases any left at close (RocksDB must not close with any). Changed
  // under db_mu shared, or exclusive to release them all.
  absl::Mutex snapshots_mu;
  absl::flat_hash_set<StoreSnapshot*> snapshots ABSL_GUARDED_BY(snapshots_mu);
  // Set by CancelCompactions; a reopened database inherits it.
  std::atomic<bool> compactions_cancelled{false};
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_STORE_IMPL_H_
