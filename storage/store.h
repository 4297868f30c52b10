// pulse_storage: Pulse's metrics store on RocksDB.
//
// Counters (as merge operands, pre-aggregated per batch) at second, minute,
// hour and day resolution plus all-time totals, for post, account, hashtag and
// global scope; post metadata; idempotency keys; HyperLogLog sketches of
// unique engaged users. Retention per resolution is a compaction filter.
//
// Storage knows nothing of RPCs, protobuf messages, subscribers or windows:
// it takes validated plain structs and answers with plain structs.
#ifndef PULSE_STORAGE_STORE_H_
#define PULSE_STORAGE_STORE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/clock.h"

namespace rocksdb {
class DB;
class Snapshot;
}  // namespace rocksdb

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace pulse::storage {

// What a counter is about.
enum class Scope : uint8_t {
  kGlobal = 1,
  kAccount = 2,
  kPost = 3,
  kHashtag = 4
};

// A counter's bucket width; kTotal is the all-time bucket.
enum class Resolution : uint8_t {
  kTotal = 0,
  kSecond = 1,
  kMinute = 2,
  kHour = 3,
  kDay = 4,
};

// The counters kept in every bucket, in this order.
enum Slot : int {
  kImpressions = 0,
  kLikes = 1,
  kShares = 2,
  kComments = 3,
  kClicks = 4,
  kFollowers = 5,  // net follower change (account and global scope)
  kPosts = 6,      // new posts (account, hashtag and global scope)
  kNumSlots = 7,
};

// One bucket's counters, indexed by Slot.
using Counts = std::array<int64_t, kNumSlots>;

// likes + shares + comments + clicks.
inline int64_t Engagements(const Counts& c) {
  return c[kLikes] + c[kShares] + c[kComments] + c[kClicks];
}

// The width of a bucket at `res`; InfiniteDuration for kTotal.
absl::Duration BucketWidth(Resolution res);
// The start of the bucket at `res` holding `t` (UTC); InfinitePast for kTotal.
absl::Time BucketStart(Resolution res, absl::Time t);

// A post's metadata.
struct PostMeta {
  std::string post_id;
  std::string account_id;
  std::string platform;
  std::vector<std::string> hashtags;
  absl::Time published_at;
  // In a write only (not stored): the client left published_at out, and it
  // is the arrival time. A post already known keeps its own then, so that
  // sending a post again as it was moves nothing.
  bool published_at_defaulted = false;
};

// One engagement, already validated (non-empty post_id, count != 0).
struct EngagementEvent {
  std::string event_id;  // empty: no per-event dedupe
  std::string post_id;
  Slot kind = kImpressions;  // one of kImpressions..kClicks
  int64_t count = 1;
  absl::Time time;
  std::string user_id;  // empty: not counted in unique users
};

// One follower change, already validated (non-empty account_id, delta != 0).
struct FollowEvent {
  std::string event_id;  // empty: no per-event dedupe
  std::string account_id;
  int64_t delta = 0;
  absl::Time time;
};

// One batch to write atomically.
struct WriteInput {
  std::string producer_id;  // empty: no batch dedupe
  uint64_t sequence = 0;    // >= 1 when producer_id is set
  std::vector<PostMeta> posts;
  std::vector<EngagementEvent> engagements;
  std::vector<FollowEvent> follows;
};

// An engagement as stored, with its attribution; what changed, for callers
// that maintain derived state (windows, subscriptions).
struct AppliedEngagement {
  std::string post_id;
  std::string account_id;             // empty when the post is unknown
  std::vector<std::string> hashtags;  // empty when the post is unknown
  Slot kind = kImpressions;
  int64_t count = 0;
  absl::Time time;
};

// The outcome of Write.
struct WriteResult {
  bool duplicate_batch = false;  // then nothing was written
  int posts_written = 0;         // new or replaced
  int new_posts = 0;             // of which not seen before
  int engagements_written = 0;
  int follows_written = 0;
  std::vector<int> duplicate_engagements;     // indices into input.engagements
  std::vector<int> duplicate_follows;         // indices into input.follows
  std::vector<int> unknown_post_engagements;  // written, post not known
  std::vector<AppliedEngagement> applied;     // in input order
  std::vector<FollowEvent> applied_follows;   // in input order
  // What the posts sent again had been, for each whose account, hashtags or
  // publication time changed (its count moved from there).
  std::vector<PostMeta> replaced_posts;
};

// A bucket with its counters.
struct Bucket {
  absl::Time start;
  Counts counts{};
};

// The sizes of one column family.
struct ColumnFamilyFigures {
  std::string name;
  uint64_t sst_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t estimated_keys = 0;
};

// Where the database's bytes are.
struct StorageFigures {
  // Every column family, in the order they were opened.
  std::vector<ColumnFamilyFigures> column_families;
  // Every regular file under the data dir.
  uint64_t disk_bytes = 0;
  // What Stats() reports.
  std::vector<std::pair<std::string, uint64_t>> properties;
};

// Store configuration.
struct StoreOptions {
  std::string data_dir = "./pulse-data";
  // Buckets whose end is older than now - retention are dropped at compaction.
  // InfiniteDuration keeps them forever.
  absl::Duration second_retention = absl::Hours(2);
  absl::Duration minute_retention = absl::Hours(24 * 14);
  absl::Duration hour_retention = absl::Hours(24 * 400);
  absl::Duration day_retention = absl::InfiniteDuration();
  // How long event ids and producer sequences are remembered.
  absl::Duration dedupe_retention = absl::Hours(24);
  // fsync the WAL on every write (survives power loss, not only a crash).
  bool sync_writes = false;
  // Damage inside a write-ahead log (not the torn last record a crash or a
  // power loss leaves, which is always skipped) stops the open with
  // DATA_LOSS; with salvage_wal the log is replayed up to the damage and the
  // rest dropped, acknowledged batches included (RocksDB's point-in-time
  // recovery).
  bool salvage_wal = false;
  // Post metadata kept in memory (an LRU in front of RocksDB).
  size_t post_cache_entries = 1'000'000;
  // RocksDB's block cache (uncompressed data blocks), shared by every column
  // family. 0 leaves each column family RocksDB's small default cache.
  size_t block_cache_bytes = size_t{256} << 20;
  // The counters column family's memtable (RocksDB keeps up to two): every
  // merge operand of ingest is inserted into it.
  size_t counters_memtable_bytes = size_t{32} << 20;
  // How the counters column family is compacted. Universal (tiered)
  // compaction rewrites each byte fewer times, so sustained ingest costs less
  // CPU, but a full compaction needs as much free disk again as the family
  // holds, and a read may meet more sorted runs. Either style opens a store
  // the other wrote.
  enum class Compaction { kLeveled, kUniversal };
  Compaction counters_compaction = Compaction::kLeveled;
  // Not owned; must outlive the store.
  const Clock* clock = SystemClock::Get();
  // The Env RocksDB does its I/O through (tests inject faults with one); null
  // is RocksDB's default. Not owned; must outlive the store.
  rocksdb::Env* env = nullptr;
};

class StoreSnapshot;

// The metrics store. Thread-safe: writes are serialized internally, reads run
// concurrently with them.
class Store {
 public:
  // Opens (creating if missing) the database in options.data_dir.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Writes one batch atomically (one WriteBatch, WAL on) and returns only
  // when it is in the WAL. Dedupes by (producer_id, sequence) and by event id.
  // Blocks on disk I/O. An error means nothing of the batch was written: while
  // RocksDB cannot write (disk full, I/O error) UNAVAILABLE, saying so; the
  // store then tries to recover on later writes and Recover() (write_errors.h).
  // While a recovery's reopen fails, the database is open read-only: reads go
  // on, writes and compactions answer UNAVAILABLE.
  absl::StatusOr<WriteResult> Write(const WriteInput& input);

  // While writes fail, tries to recover as a write would (Resume, or a
  // reopen), at most once per backoff step; OK at once when writes work.
  // For a periodic caller, so that the store recovers, and reports it, with
  // no write arriving. Blocks on disk I/O while it recovers, and behind a
  // write in progress, but not behind reads: a reopen that a long read
  // (ScanActivity, a backup, a compaction) or a live StoreSnapshot holds
  // off answers UNAVAILABLE at once and is tried again by the next call.
  absl::Status Recover();

  // All-time counters of one entity (id ignored for kGlobal); zeros if none.
  absl::StatusOr<Counts> GetTotals(Scope scope, std::string_view id) const;

  // Non-empty buckets of one entity at `res` (not kTotal) whose start is in
  // [start, end), oldest first. May block on disk I/O.
  absl::StatusOr<std::vector<Bucket>> ScanSeries(Scope scope,
                                                 std::string_view id,
                                                 Resolution res,
                                                 absl::Time start,
                                                 absl::Time end) const;

  // What a stats read needs of one entity, in one batched lookup (RocksDB's
  // MultiGet across column families) instead of a Get, a scan and a Get.
  struct EntityQuery {
    Scope scope = Scope::kGlobal;
    std::string_view id;  // ignored for kGlobal
    // The buckets at `res` (not kTotal) whose start is in [start, end) are
    // summed. A range of more than kMaxPointBuckets buckets is scanned
    // instead, like ScanSeries.
    Resolution res = Resolution::kMinute;
    absl::Time start = absl::InfinitePast();
    absl::Time end = absl::InfinitePast();
    // Estimate distinct users too (kPost and kAccount only).
    bool unique_users = false;
  };
  struct EntityFigures {
    Counts totals{};           // as GetTotals
    Counts range_sum{};        // the buckets of [start, end), summed
    Counts first_bucket{};     // the first of them (also in range_sum)
    int64_t unique_users = 0;  // as EstimateUniqueUsers; 0 unless asked for
  };
  static constexpr int kMaxPointBuckets = 64;
  absl::StatusOr<EntityFigures> ReadEntity(const EntityQuery& query) const;

  // A post's metadata, or nullopt when unknown.
  absl::StatusOr<std::optional<PostMeta>> GetPost(
      std::string_view post_id) const;

  // The metadata of many posts, read in sorted batches (RocksDB's MultiGet):
  // calls fn for each known one, in no particular order. Unknown and
  // malformed ones are skipped. May block on disk I/O.
  absl::Status GetPosts(const std::vector<std::string_view>& post_ids,
                        const std::function<void(const PostMeta&)>& fn) const;

  // Estimated distinct users who engaged with a post or an account (kPost or
  // kAccount); 0 when none.
  absl::StatusOr<int64_t> EstimateUniqueUsers(Scope scope,
                                              std::string_view id) const;

  // The store as it is now, for a long read that later writes must not leak
  // into (the boards' rebuild at start-up). Destroy it before the store.
  absl::StatusOr<std::unique_ptr<StoreSnapshot>> TakeSnapshot() const;

  // Calls fn for every non-empty post and hashtag bucket at `res` (kSecond or
  // kMinute) whose start is in [start, end), in time order, until fn returns
  // false; used to rebuild sliding windows at start-up. One pass reads both
  // scopes: they share the activity column family's (resolution, bucket) key
  // prefix. With `snapshot` (from this store), reads the store as it was
  // then.
  absl::Status ScanActivity(
      Resolution res, absl::Time start, absl::Time end,
      const std::function<bool(Scope scope, absl::Time bucket,
                               std::string_view id, const Counts& counts)>& fn,
      const StoreSnapshot* snapshot = nullptr) const;

  // Compacts every column family now (applies retention). Blocks; returns
  // an error early once CancelCompactions has been called.
  absl::Status CompactAll();

  // Compacts the activity column family's expired buckets. Its keys are in
  // time order, so the compactions of new data never reach the old ones:
  // without this, expired second buckets waited for RocksDB's periodic
  // compaction (a day) to meet the retention filter. Cheap when nothing
  // expired; returns early once CancelCompactions has been called.
  absl::Status CompactExpiredActivity();

  // Makes a running CompactAll (and every later one) return early, so that
  // shutdown does not wait for a whole compaction. Blocks until the running
  // one has stopped.
  void CancelCompactions();

  // RocksDB's figures for monitoring as (name, value) pairs: memtable,
  // pending compaction and SST bytes summed over column families; running
  // compactions and write stall state; the shared block cache's usage and
  // capacity (without one, the usage summed over the families' own caches);
  // then "storage.writes-failing", 1 while writes fail (disk full, I/O
  // error) and 0 otherwise, and "storage.read-only", 1 while the database
  // is open read-only after a failed reopen and 0 otherwise. Never blocks.
  std::vector<std::pair<std::string, uint64_t>> Stats() const;

  // Per column family sizes, the data dir's bytes on disk and Stats().
  // Lists the data dir (file metadata only); never waits for RocksDB.
  StorageFigures Storage() const;

  // Calls fn with the open database, for storage/backup.cc's BackupEngine,
  // and whether it takes writes now (false while it is read-only after a
  // failed reopen or its writes fail), and returns what fn returns; the
  // database stays open (no recovery reopens it) until fn returns.
  // UNAVAILABLE while it is closed. Not for reads or writes.
  absl::Status WithDb(
      const std::function<absl::Status(rocksdb::DB* db, bool writable)>& fn)
      const;

 private:
  friend class StoreSnapshot;
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A point-in-time view of a Store (RocksDB's snapshot). While it lives,
// compaction keeps every version it can see, and a recovery's reopen
// (store_recovery.cc) waits, so that writes that fail keep failing: keep it
// for one long read, not longer. Thread-compatible.
class StoreSnapshot {
 public:
  ~StoreSnapshot();
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;

 private:
  friend class Store;
  friend struct Store::Impl;
  StoreSnapshot(Store::Impl* impl, const rocksdb::Snapshot* snapshot)
      : impl_(impl), snapshot_(snapshot) {}

  Store::Impl* impl_;
  // Null once the store's close released it; read and cleared under the
  // store's db_mu.
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_STORE_H_
