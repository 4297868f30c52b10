// Store: opening the database and the read paths. The write path is in
// store_write.cc.
#include "storage/store.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "server/log.h"
#include "storage/counter_merge.h"
#include "storage/hyperloglog.h"
#include "storage/key_codec.h"
#include "storage/retention_filter.h"
#include "storage/rocksdb_status.h"
#include "storage/sketch_merge.h"
#include "storage/status_macros.h"
#include "storage/store_impl.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

constexpr char kCounters[] = "counters";
constexpr char kActivity[] = "activity";
constexpr char kMetadata[] = "metadata";
constexpr char kIdempotency[] = "idempotency";
constexpr char kSketches[] = "sketches";

// The estimate of a stored unique-users sketch.
absl::StatusOr<int64_t> EstimateOfSketch(std::string_view value,
                                         std::string_view id) {
  HyperLogLog hll;
  if (!hll.Decode(value)) {
    return absl::DataLossError(
        absl::StrCat("malformed unique-users sketch of ", std::string(id)));
  }
  return static_cast<int64_t>(std::llround(hll.Estimate()));
}

// A data dir holding a database's files but no CURRENT (damaged, or copied
// or restored in part) is refused: RocksDB would create a new database over
// it and delete the old files as obsolete. A new or empty dir (a mount
// point's lost+found aside) is fine.
absl::Status CheckNotHeadless(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::path(data_dir) / "CURRENT", ec)) return absl::OkStatus();
  for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::string ext = it->path().extension().string();
    if (ext == ".sst" || ext == ".log" || absl::StartsWith(name, "MANIFEST-")) {
      return absl::DataLossError(absl::StrCat(
          "the data dir ", data_dir, " holds a database's files (", name,
          ") but no CURRENT file: it is damaged or was copied in part; "
          "refusing to create a new database over it (its files would be "
          "deleted). Restore a backup into a new data dir (README: Backup "
          "and restore), or move the files away"));
    }
  }
  return absl::OkStatus();
}

void AddInto(const Counts& c, Counts* sum) {
  for (int i = 0; i < kNumSlots; ++i) (*sum)[i] += c[i];
}

bool IsZero(const Counts& c) {
  for (int64_t v : c) {
    if (v != 0) return false;
  }
  return true;
}

// How old a table file of a column family with a retention filter may grow
// before RocksDB rewrites it, and the filter meets its keys. The bottom
// level holds the buckets of cold keys (old posts, hashtags, accounts), and
// no compaction of new data reaches them: without this they waited for
// RocksDB's default with a filter, 30 days. A day bounds how long an expired
// bucket stays without rewriting every cold file more often than daily
// (leveled: the files older than a day; universal: up to a full
// compaction).
constexpr uint64_t kRetentionCompactionSeconds = 24 * 60 * 60;

// Options shared by every column family: bloom filters make the point
// lookups of ingest (ids, posts) and of stats queries cheap, and one block
// cache serves them all.
rocksdb::ColumnFamilyOptions BaseOptions(
    const std::shared_ptr<rocksdb::Cache>& block_cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = block_cache;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors(
    const StoreOptions& options, const RetentionPolicy& retention,
    const std::shared_ptr<rocksdb::Cache>& block_cache) {
  auto counter_merge = std::make_shared<CounterMergeOperator>();
  rocksdb::ColumnFamilyOptions counters = BaseOptions(block_cache);
  counters.merge_operator = counter_merge;
  // 32 MiB by default (--counters_memtable_mb), half RocksDB's default: the
  // skip list every merge operand is inserted into stays shallower and warmer
  // in the CPU's caches. Ingest at batch 1,000 went 11-13 % faster, batch
  // 10,000 and reads unchanged; 256 MiB made batch 10,000 18 % slower, and
  // 64 MiB sustained ingest into a filling store 12 % slower, though it
  // flushes and compacts less often (tools/bench/PERFORMANCE.md).
  counters.write_buffer_size = options.counters_memtable_bytes;
  if (options.counters_compaction == StoreOptions::Compaction::kUniversal)
    counters.compaction_style = rocksdb::kCompactionStyleUniversal;
  // A batch's keys are written in sorted order; with a hint per key prefix
  // the memtable's skip list resumes from the previous insert instead of
  // searching from its head (memtable inserts dominate ingest's profile).
  counters.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(1));
  // No max_successive_merges: it made every merge operand seek the memtable
  // to count the key's operands, a quarter of the server's CPU at ingest. A
  // hot key (the global totals) gets one operand per batch, a few hundred
  // per memtable at small batches, which a read sums in one pass (the full
  // merge operator) and a flush folds into one value.
  counters.compaction_filter_factory =
      std::make_shared<BucketRetentionFilterFactory>(BucketKeyLayout::kCounters,
                                                     retention, options.clock);
  counters.periodic_compaction_seconds = kRetentionCompactionSeconds;
  rocksdb::ColumnFamilyOptions activity = BaseOptions(block_cache);
  activity.merge_operator = counter_merge;
  // [resolution][bucket]: a batch's activity keys share it.
  activity.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(9));
  activity.compaction_filter_factory =
      std::make_shared<BucketRetentionFilterFactory>(BucketKeyLayout::kActivity,
                                                     retention, options.clock);
  activity.periodic_compaction_seconds = kRetentionCompactionSeconds;
  rocksdb::ColumnFamilyOptions idempotency = BaseOptions(block_cache);
  idempotency.compaction_filter_factory =
      std::make_shared<SeenRetentionFilterFactory>(options.dedupe_retention,
                                                   options.clock);
  idempotency.periodic_compaction_seconds = kRetentionCompactionSeconds;
  rocksdb::ColumnFamilyOptions sketches = BaseOptions(block_cache);
  sketches.merge_operator = std::make_shared<SketchMergeOperator>();
  return {
      {rocksdb::kDefaultColumnFamilyName, BaseOptions(block_cache)},
      {kCounters, counters},
      {kActivity, activity},
      {kMetadata, BaseOptions(block_cache)},
      {kIdempotency, idempotency},
      {kSketches, sketches},
  };
}

}  // namespace

Store::Impl::~Impl() {
  absl::MutexLock lock(&db_mu);
  if (db != nullptr && !read_only) {
    // Without a flush the next Open replays the WAL into memtables: seconds
    // per hundred MB. A failed flush (a full disk) loses nothing: the WAL
    // holds every acknowledged write and the next Open replays it.
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    const absl::Time start = absl::Now();
    const rocksdb::Status s = db->Flush(flush, handles);
    const std::string line =
        absl::StrCat("memtables flushed at close duration=",
                     absl::FormatDuration(absl::Now() - start));
    if (s.ok()) {
      server::Log(server::LogLevel::kInfo, line);
    } else {
      server::Log(server::LogLevel::kWarning,
                  absl::StrCat(line, " error=", s.ToString()));
    }
  }
  CloseDb();
}

void Store::Impl::CloseDb() {
  if (db == nullptr) return;
  {
    absl::MutexLock lock(&snapshots_mu);
    for (StoreSnapshot* snapshot : snapshots) {
      db->ReleaseSnapshot(snapshot->snapshot_);
      snapshot->snapshot_ = nullptr;
    }
    snapshots.clear();
  }
  for (rocksdb::ColumnFamilyHandle* h : handles)
    db->DestroyColumnFamilyHandle(h);
  handles.clear();
  counters = activity = metadata = idempotency = sketches = nullptr;
  // Close reports errors we cannot act on here: the WAL already holds every
  // acknowledged write, so the next Open recovers regardless.
  db->Close().PermitUncheckedError();
  db.reset();
  read_only = false;
}

absl::Status Store::Impl::CheckOpen() const {
  if (db != nullptr) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "storage is closed after a failed reopen (", options.data_dir,
      "); the reopen is retried, backing off from 1 s to 30 s"));
}

absl::Status Store::Impl::CheckWritable() const {
  PULSE_RETURN_IF_ERROR(CheckOpen());
  if (!read_only) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "storage is read-only after a failed reopen (", options.data_dir,
      "): reads go on, writes wait until the disk takes them again; the "
      "reopen is retried, backing off from 1 s to 30 s"));
}

absl::Status Store::Impl::OpenDb(OpenMode mode) {
  PULSE_RETURN_IF_ERROR(CheckNotHeadless(options.data_dir));
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // Bounds the WAL a crash leaves to replay. Without it, a column family
  // that rarely fills its memtable (metadata, idempotency) keeps every WAL
  // file since its last flush alive: 1.6 GB after a minute of ingest, ~9 s
  // of replay after a kill -9. Past the bound RocksDB flushes the column
  // families that hold the oldest file.
  db_options.max_total_wal_size = 256 << 20;
  // Write errors: RocksDB's recovery off, ours on (write_errors.h); its info
  // log in our log, not in a file on the disk that may be full.
  db_options.listeners.push_back(
      std::make_shared<WriteErrorListener>(write_errors));
  db_options.max_bgerror_resume_count = 0;
  db_options.info_log = NewRocksLogger(options.salvage_wal);
  // RocksDB's default, point-in-time recovery, drops what follows damage in a
  // log and opens: acknowledged batches gone with only a warning. Tolerating
  // only a torn last record refuses that, and still opens after a kill -9 or
  // a power loss (truncated, zero-filled or garbage tails, tried on 7.8).
  db_options.wal_recovery_mode =
      options.salvage_wal
          ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
          : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  if (options.env != nullptr) db_options.env = options.env;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors =
      Descriptors(options, retention, block_cache);
  // RocksDB refuses to open a database without listing every column family it
  // has, so open any that a newer version added, with plain options.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.data_dir, &existing)
          .ok()) {
    absl::flat_hash_set<std::string> known;
    for (const auto& d : descriptors) known.insert(d.name);
    for (const std::string& name : existing) {
      if (!known.contains(name))
        descriptors.emplace_back(name, BaseOptions(block_cache));
    }
  }

  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened =
      mode == OpenMode::kReadOnly
          ? rocksdb::DB::OpenForReadOnly(db_options, options.data_dir,
                                         descriptors, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.data_dir, descriptors,
                              &handles, &raw);
  if (opened.IsIOError() &&
      absl::StrContains(opened.ToString(), "While lock file")) {
    return absl::UnavailableError(absl::StrCat(
        "opening RocksDB in ", options.data_dir,
        ": the data dir is in use by another process (another pulse-server "
        "on it?), which holds its LOCK file: ",
        opened.ToString()));
  }
  if (opened.IsCorruption() && !options.salvage_wal) {
    const absl::Status damaged = FromRocksStatus(
        opened, absl::StrCat("opening RocksDB in ", options.data_dir));
    return absl::DataLossError(absl::StrCat(
        damaged.message(),
        "; or, when the log says 'write-ahead log damaged', start with "
        "--wal_recovery=salvage to drop what follows the damage"));
  }
  PULSE_RETURN_IF_ERROR(FromRocksStatus(
      opened, absl::StrCat("opening RocksDB in ", options.data_dir)));
  db.reset(raw);
  read_only = mode == OpenMode::kReadOnly;
  // Handles come back in descriptor order.
  counters = handles[1];
  activity = handles[2];
  metadata = handles[3];
  idempotency = handles[4];
  sketches = handles[5];
  if (compactions_cancelled) db->DisableManualCompaction();
  return absl::OkStatus();
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  if (options.clock == nullptr)
    return absl::InvalidArgumentError("StoreOptions.clock is null");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "creating data dir ", options.data_dir, ": ", ec.message()));
  }
  auto impl = std::make_unique<Impl>(options);
  {
    absl::MutexLock lock(&impl->db_mu);
    PULSE_RETURN_IF_ERROR(impl->OpenDb());
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::StatusOr<WriteResult> Store::Write(const WriteInput& input) {
  return impl_->Write(input);
}

absl::StatusOr<Counts> Store::GetTotals(Scope scope,
                                        std::string_view id) const {
  const std::string key = CounterKeyString({scope, id, Resolution::kTotal, 0});
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  rocksdb::PinnableSlice value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->counters,
                                     rocksdb::Slice(key), &value);
  if (s.IsNotFound()) return Counts{};
  PULSE_RETURN_IF_ERROR(FromRocksStatus(s, "reading totals"));
  return DecodeCounts(value.ToStringView());
}

absl::StatusOr<std::vector<Bucket>> Store::ScanSeries(Scope scope,
                                                      std::string_view id,
                                                      Resolution res,
                                                      absl::Time start,
                                                      absl::Time end) const {
  if (res == Resolution::kTotal) {
    return absl::InvalidArgumentError(
        "ScanSeries: resolution must not be kTotal");
  }
  std::vector<Bucket> out;
  if (start >= end) return out;
  // A bucket is in [start, end) when its whole-second start is.
  const std::string lower =
      CounterKeyString({scope, id, res, KeySecondsCeil(start)});
  const std::string upper =
      CounterKeyString({scope, id, res, KeySecondsCeil(end)});
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(ro, impl_->counters));
  // A bucket past its retention is left out whether or not a compaction has
  // dropped it yet: what an old range shows does not depend on when one ran.
  const absl::Time now = impl_->options.clock->Now();
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    CounterKey key;
    if (!DecodeCounterKey(it->key().ToStringView(), &key)) continue;
    if (BucketExpired(res, key.bucket, now, impl_->retention)) continue;
    Bucket b{absl::FromUnixSeconds(static_cast<int64_t>(key.bucket)),
             DecodeCounts(it->value().ToStringView())};
    if (!IsZero(b.counts)) out.push_back(b);
  }
  PULSE_RETURN_IF_ERROR(FromRocksStatus(it->status(), "scanning series"));
  return out;
}

absl::StatusOr<std::optional<PostMeta>> Store::GetPost(
    std::string_view post_id) const {
  if (std::shared_ptr<const PostMeta> cached =
          impl_->post_cache.Lookup(post_id)) {
    return std::optional<PostMeta>(*cached);
  }
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->metadata,
                     rocksdb::Slice(PostMetaKey(post_id)), &value);
  if (s.IsNotFound()) return std::optional<PostMeta>();
  PULSE_RETURN_IF_ERROR(FromRocksStatus(s, "reading post metadata"));
  PostMeta meta;
  if (!DecodePostMeta(value.ToStringView(), &meta)) {
    return absl::DataLossError(
        absl::StrCat("malformed metadata of post ", std::string(post_id)));
  }
  meta.post_id.assign(post_id);
  return std::optional<PostMeta>(std::move(meta));
}

absl::Status Store::Impl::ReadPosts(
    const std::vector<std::string_view>& ids,
    const std::function<void(std::string_view id, PostMeta meta)>& fn) const {
  // Sorted keys let MultiGet walk each SST file's blocks once per chunk.
  std::vector<std::pair<std::string, std::string_view>> keys;
  keys.reserve(ids.size());
  for (std::string_view id : ids) keys.emplace_back(PostMetaKey(id), id);
  std::sort(keys.begin(), keys.end());
  constexpr size_t kChunk = 1024;
  std::vector<rocksdb::Slice> slices(kChunk);
  std::vector<rocksdb::PinnableSlice> values(kChunk);
  std::vector<rocksdb::Status> statuses(kChunk);
  for (size_t begin = 0; begin < keys.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, keys.size() - begin);
    for (size_t k = 0; k < n; ++k)
      slices[k] = rocksdb::Slice(keys[begin + k].first);
    db->MultiGet(rocksdb::ReadOptions(), metadata, n, slices.data(),
                 values.data(), statuses.data(), /*sorted_input=*/true);
    for (size_t k = 0; k < n; ++k) {
      if (statuses[k].IsNotFound()) continue;
      PULSE_RETURN_IF_ERROR(
          FromRocksStatus(statuses[k], "reading post metadata"));
      PostMeta meta;
      if (DecodePostMeta(values[k].ToStringView(), &meta)) {
        meta.post_id.assign(keys[begin + k].second);
        fn(keys[begin + k].second, std::move(meta));
      }
      values[k].Reset();
    }
  }
  return absl::OkStatus();
}

absl::Status Store::GetPosts(
    const std::vector<std::string_view>& post_ids,
    const std::function<void(const PostMeta&)>& fn) const {
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  return impl_->ReadPosts(
      post_ids, [&fn](std::string_view, const PostMeta& meta) { fn(meta); });
}

absl::StatusOr<int64_t> Store::EstimateUniqueUsers(Scope scope,
                                                   std::string_view id) const {
  if (scope != Scope::kPost && scope != Scope::kAccount) {
    return absl::InvalidArgumentError(
        "EstimateUniqueUsers: scope must be post or account");
  }
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->sketches,
                     rocksdb::Slice(SketchKey(scope, id)), &value);
  if (s.IsNotFound()) return 0;
  PULSE_RETURN_IF_ERROR(FromRocksStatus(s, "reading unique users"));
  return EstimateOfSketch(value.ToStringView(), id);
}

absl::StatusOr<Store::EntityFigures> Store::ReadEntity(
    const EntityQuery& query) const {
  if (query.res == Resolution::kTotal) {
    return absl::InvalidArgumentError(
        "ReadEntity: resolution must not be kTotal");
  }
  if (query.unique_users && query.scope != Scope::kPost &&
      query.scope != Scope::kAccount) {
    return absl::InvalidArgumentError(
        "ReadEntity: unique users are kept for posts and accounts only");
  }
  // Bucket starts are whole multiples of the width: those in [lo, hi).
  const uint64_t width =
      static_cast<uint64_t>(absl::ToInt64Seconds(BucketWidth(query.res)));
  const uint64_t lo = KeySecondsCeil(query.start);
  const uint64_t hi = KeySecondsCeil(query.end);
  const uint64_t first = lo + (width - lo % width) % width;
  const uint64_t buckets =
      lo < hi && first >= lo && first < hi ? (hi - 1 - first) / width + 1 : 0;
  const bool scan = buckets > kMaxPointBuckets;

  // keys[0] is the totals, then the buckets read one by one, then the sketch.
  std::vector<std::string> keys;
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  keys.reserve((scan ? 0 : buckets) + 2);
  keys.push_back(
      CounterKeyString({query.scope, query.id, Resolution::kTotal, 0}));
  for (uint64_t k = 0; !scan && k < buckets; ++k) {
    keys.push_back(CounterKeyString(
        {query.scope, query.id, query.res, first + k * width}));
  }
  if (query.unique_users) keys.push_back(SketchKey(query.scope, query.id));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());

  EntityFigures figures;
  {
    absl::ReaderMutexLock lock(&impl_->db_mu);
    PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
    families.assign(keys.size(), impl_->counters);
    if (query.unique_users) families.back() = impl_->sketches;
    impl_->db->MultiGet(rocksdb::ReadOptions(), keys.size(), families.data(),
                        slices.data(), values.data(), statuses.data());
  }
  const size_t counter_keys = keys.size() - (query.unique_users ? 1 : 0);
  const absl::Time now = impl_->options.clock->Now();
  for (size_t k = 0; k < counter_keys; ++k) {
    if (statuses[k].IsNotFound()) continue;
    // Past its retention, as in ScanSeries (k > 0: the buckets).
    if (k > 0 && BucketExpired(query.res, first + (k - 1) * width, now,
                               impl_->retention)) {
      continue;
    }
    PULSE_RETURN_IF_ERROR(FromRocksStatus(statuses[k], "reading counters"));
    const Counts counts = DecodeCounts(values[k].ToStringView());
    AddInto(counts, k == 0 ? &figures.totals : &figures.range_sum);
    if (k == 1) figures.first_bucket = counts;
  }
  if (query.unique_users && !statuses.back().IsNotFound()) {
    PULSE_RETURN_IF_ERROR(
        FromRocksStatus(statuses.back(), "reading unique users"));
    PULSE_ASSIGN_OR_RETURN(
        figures.unique_users,
        EstimateOfSketch(values.back().ToStringView(), query.id));
  }
  if (scan) {
    PULSE_ASSIGN_OR_RETURN(
        std::vector<Bucket> series,
        ScanSeries(query.scope, query.id, query.res, query.start, query.end));
    for (const Bucket& b : series) {
      AddInto(b.counts, &figures.range_sum);
      if (KeySecondsCeil(b.start) == first) figures.first_bucket = b.counts;
    }
  }
  return figures;
}

absl::StatusOr<std::unique_ptr<StoreSnapshot>> Store::TakeSnapshot() const {
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  std::unique_ptr<StoreSnapshot> snapshot(
      new StoreSnapshot(impl_.get(), impl_->db->GetSnapshot()));
  absl::MutexLock snapshots_lock(&impl_->snapshots_mu);
  impl_->snapshots.insert(snapshot.get());
  return snapshot;
}

StoreSnapshot::~StoreSnapshot() {
  absl::ReaderMutexLock lock(&impl_->db_mu);
  absl::MutexLock snapshots_lock(&impl_->snapshots_mu);
  if (snapshot_ == nullptr) return;  // a reopen released it
  impl_->db->ReleaseSnapshot(snapshot_);
  impl_->snapshots.erase(this);
}

absl::Status Store::ScanActivity(
    Resolution res, absl::Time start, absl::Time end,
    const std::function<bool(Scope scope, absl::Time bucket,
                             std::string_view id, const Counts& counts)>& fn,
    const StoreSnapshot* snapshot) const {
  if (res != Resolution::kSecond && res != Resolution::kMinute) {
    return absl::InvalidArgumentError(
        "ScanActivity: resolution must be second or minute");
  }
  if (start >= end) return absl::OkStatus();
  const std::string lower = ActivityKeyPrefix(res, KeySecondsCeil(start));
  const std::string upper = ActivityKeyPrefix(res, KeySecondsCeil(end));
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  // fn may take long: a reopen waits rather than queue behind it.
  const Impl::LongRead long_read(*impl_);
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  if (snapshot != nullptr) {
    if (snapshot->snapshot_ == nullptr) {
      return absl::UnavailableError(
          "scanning activity: the snapshot was released when the storage "
          "closed");
    }
    ro.snapshot = snapshot->snapshot_;
  }
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(ro, impl_->activity));
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    ActivityKey key;
    if (!DecodeActivityKey(it->key().ToStringView(), &key)) continue;
    const Counts counts = DecodeCounts(it->value().ToStringView());
    if (IsZero(counts)) continue;
    if (!fn(key.scope, absl::FromUnixSeconds(static_cast<int64_t>(key.bucket)),
            key.id, counts)) {
      return absl::OkStatus();
    }
  }
  return FromRocksStatus(it->status(), "scanning activity");
}

absl::Status Store::CompactAll() {
  rocksdb::CompactRangeOptions opts;
  // Force rewriting the bottommost level too, or its buckets never meet the
  // retention filters.
  opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  const Impl::LongRead long_read(*impl_);
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckWritable());
  for (rocksdb::ColumnFamilyHandle* h : impl_->handles) {
    PULSE_RETURN_IF_ERROR(
        FromRocksStatus(impl_->db->CompactRange(opts, h, nullptr, nullptr),
                        absl::StrCat("compacting ", h->GetName())));
  }
  return absl::OkStatus();
}

absl::Status Store::CompactExpiredActivity() {
  rocksdb::CompactRangeOptions opts;
  // Beside the automatic compactions, not instead of them.
  opts.exclusive_manual_compaction = false;
  const absl::Time now = impl_->options.clock->Now();
  const Impl::LongRead long_read(*impl_);
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckWritable());
  for (Resolution res : {Resolution::kSecond, Resolution::kMinute}) {
    const absl::Duration keep = impl_->retention.For(res);
    if (keep == absl::InfiniteDuration()) continue;
    // Up to the start of the first bucket that may still be kept; the
    // filter decides for each key, so a little past that costs nothing.
    const std::string begin = ActivityKeyPrefix(res, 0);
    const std::string end = ActivityKeyPrefix(res, KeySecondsCeil(now - keep));
    const rocksdb::Slice b(begin), e(end);
    PULSE_RETURN_IF_ERROR(
        FromRocksStatus(impl_->db->CompactRange(opts, impl_->activity, &b, &e),
                        "compacting expired activity"));
  }
  return absl::OkStatus();
}

void Store::CancelCompactions() {
  impl_->compactions_cancelled = true;
  // Without waiting for the lock: a running CompactAll holds it shared;
  // only a reopen holds it exclusively, briefly, and then disables
  // compactions itself.
  if (impl_->db_mu.ReaderTryLock()) {
    if (impl_->db != nullptr) impl_->db->DisableManualCompaction();
    impl_->db_mu.ReaderUnlock();
  }
}

std::vector<std::pair<std::string, uint64_t>> Store::Stats() const {
  // Summed over the column families (each has its own memtables and files).
  static constexpr const char* kPerFamily[] = {
      "rocksdb.cur-size-all-mem-tables",
      "rocksdb.estimate-pending-compaction-bytes",
      "rocksdb.total-sst-files-size",
  };
  // One figure for the whole database: summing would count it once a family.
  static constexpr const char* kDatabaseWide[] = {
      "rocksdb.num-running-compactions",
      "rocksdb.actual-delayed-write-rate",
      "rocksdb.is-write-stopped",
  };
  std::vector<std::pair<std::string, uint64_t>> out;
  // Not while a reopen holds the database: never block.
  if (impl_->db_mu.ReaderTryLock()) {
    if (impl_->db != nullptr) {
      uint64_t value = 0;
      for (const char* name : kPerFamily) {
        if (impl_->db->GetAggregatedIntProperty(name, &value)) {
          out.emplace_back(name, value);
        }
      }
      for (const char* name : kDatabaseWide) {
        if (impl_->db->GetIntProperty(name, &value)) {
          out.emplace_back(name, value);
        }
      }
      // One cache shared by every family is counted once; without it each
      // family has its own.
      if (impl_->block_cache != nullptr) {
        out.emplace_back("rocksdb.block-cache-usage",
                         impl_->block_cache->GetUsage());
        out.emplace_back("rocksdb.block-cache-capacity",
                         impl_->block_cache->GetCapacity());
      } else if (impl_->db->GetAggregatedIntProperty(
                     "rocksdb.block-cache-usage", &value)) {
        out.emplace_back("rocksdb.block-cache-usage", value);
      }
    }
    impl_->db_mu.ReaderUnlock();
  }
  out.emplace_back("storage.writes-failing",
                   impl_->write_errors->failing() ? 1 : 0);
  out.emplace_back("storage.read-only", impl_->read_only ? 1 : 0);
  return out;
}

StorageFigures Store::Storage() const {
  StorageFigures figures;
  {
    absl::ReaderMutexLock lock(&impl_->db_mu);
    for (rocksdb::ColumnFamilyHandle* h : impl_->handles) {
      ColumnFamilyFigures cf;
      cf.name = h->GetName();
      impl_->db->GetIntProperty(h, "rocksdb.total-sst-files-size",
                                &cf.sst_bytes);
      impl_->db->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables",
                                &cf.memtable_bytes);
      impl_->db->GetIntProperty(h, "rocksdb.estimate-num-keys",
                                &cf.estimated_keys);
      figures.column_families.push_back(std::move(cf));
    }
  }
  // Files come and go under compaction: a vanished one is skipped.
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator
           it(impl_->options.data_dir, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec)) continue;
    const uintmax_t size = it->file_size(size_ec);
    if (!size_ec) figures.disk_bytes += size;
  }
  figures.properties = Stats();
  return figures;
}

absl::Status Store::WithDb(
    const std::function<absl::Status(rocksdb::DB* db, bool writable)>& fn)
    const {
  const Impl::LongRead long_read(*impl_);
  absl::ReaderMutexLock lock(&impl_->db_mu);
  PULSE_RETURN_IF_ERROR(impl_->CheckOpen());
  return fn(impl_->db.get(),
            !impl_->read_only && !impl_->write_errors->failing());
}

}  // namespace pulse::storage
