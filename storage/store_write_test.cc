// Store::Write: dedupe, attribution, exact counting.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_reader.h"
#include "storage/key_codec.h"
#include "storage/store.h"
#include "storage/test_util.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

using StoreWrite = StoreTest;

TEST_F(StoreWrite, EngagementOfAKnownPostCountsForAccountHashtagsAndGlobal) {
  MustWrite(Batch({Post("p1", "acct", {"news", "tech"})}));
  WriteResult r = MustWrite(Batch({}, {Like("p1", kTestStart, "", 3)}));
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 3);
  EXPECT_EQ(Totals(Scope::kAccount, "acct")[kLikes], 3);
  EXPECT_EQ(Totals(Scope::kHashtag, "news")[kLikes], 3);
  EXPECT_EQ(Totals(Scope::kHashtag, "tech")[kLikes], 3);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], 3);
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_EQ(r.applied[0].account_id, "acct");
  EXPECT_EQ(r.applied[0].hashtags, (std::vector<std::string>{"news", "tech"}));
  EXPECT_TRUE(r.unknown_post_engagements.empty());
}

TEST_F(StoreWrite,
       EngagementOfAnUnknownPostCountsForPostAndGlobalOnlyAndIsReported) {
  WriteResult r = MustWrite(Batch({}, {Like("ghost")}));
  EXPECT_EQ(r.unknown_post_engagements, std::vector<int>{0});
  EXPECT_EQ(r.engagements_written, 1);
  EXPECT_EQ(Totals(Scope::kPost, "ghost")[kLikes], 1);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], 1);
  EXPECT_TRUE(r.applied[0].account_id.empty());
}

TEST_F(StoreWrite, PostInTheSameBatchAttributesItsEngagements) {
  WriteResult r = MustWrite(Batch({Post("p1", "acct", {"t"})}, {Like("p1")}));
  EXPECT_TRUE(r.unknown_post_engagements.empty());
  EXPECT_EQ(Totals(Scope::kAccount, "acct")[kLikes], 1);
}

TEST_F(StoreWrite, PostsCountOnceEvenIfResent) {
  WriteResult first =
      MustWrite(Batch({Post("p1", "acct", {"t"}), Post("p1", "acct", {"t"})}));
  EXPECT_EQ(first.new_posts, 1);
  EXPECT_EQ(first.posts_written, 2);
  EXPECT_TRUE(first.replaced_posts.empty());
  Reopen();  // the cache is gone: the metadata column family must answer
  WriteResult again = MustWrite(Batch({Post("p1", "acct", {"t", "u"})}));
  EXPECT_EQ(again.new_posts, 0);
  EXPECT_EQ(Totals(Scope::kAccount, "acct")[kPosts], 1);
  EXPECT_EQ(Totals(Scope::kHashtag, "t")[kPosts], 1);
  EXPECT_EQ(Totals(Scope::kHashtag, "u")[kPosts], 1);  // it carries u now
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kPosts], 1);
  absl::StatusOr<std::optional<PostMeta>> meta = store_->GetPost("p1");
  ASSERT_TRUE(meta.ok() && meta->has_value());
  EXPECT_EQ((*meta)->hashtags, (std::vector<std::string>{"t", "u"}));
}

// A post sent again with another account, other hashtags or another time
// counts where it is now, in the totals and in the series, and the write
// says what it had been; its engagements stay where they were counted.
TEST_F(StoreWrite, APostSentAgainMovesItsCount) {
  MustWrite(Batch({Post("p1", "a1", {"x"})}, {Like("p1")}));
  const absl::Time later = kTestStart + absl::Hours(2);
  WriteResult moved = MustWrite(Batch({Post("p1", "a2", {"y"}, later)}));
  ASSERT_EQ(moved.replaced_posts.size(), 1u);
  EXPECT_EQ(moved.replaced_posts[0].account_id, "a1");
  EXPECT_EQ(moved.replaced_posts[0].hashtags, std::vector<std::string>{"x"});
  for (const auto& [scope, id, posts] :
       std::vector<std::tuple<Scope, std::string, int64_t>>{
           {Scope::kAccount, "a1", 0},
           {Scope::kAccount, "a2", 1},
           {Scope::kHashtag, "x", 0},
           {Scope::kHashtag, "y", 1},
           {Scope::kGlobal, "", 1}}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(Totals(scope, id)[kPosts], posts);
    absl::StatusOr<std::vector<Bucket>> hours = store_->ScanSeries(
        scope, id, Resolution::kHour, kTestStart, later + absl::Hours(1));
    ASSERT_TRUE(hours.ok()) << hours.status();
    int64_t at_first = 0;
    int64_t at_later = 0;
    for (const Bucket& b : *hours) {
      if (b.start <= kTestStart) at_first += b.counts[kPosts];
      if (b.start > kTestStart) at_later += b.counts[kPosts];
    }
    EXPECT_EQ(at_first, 0);
    EXPECT_EQ(at_later, posts);
  }
  EXPECT_EQ(Totals(Scope::kAccount, "a1")[kLikes], 1);
  EXPECT_EQ(Totals(Scope::kAccount, "a2")[kLikes], 0);

  // Twice in one batch: the second is what counts.
  WriteResult twice =
      MustWrite(Batch({Post("p2", "a1", {"x"}), Post("p2", "a2", {"x"})}));
  EXPECT_EQ(twice.new_posts, 1);
  EXPECT_EQ(Totals(Scope::kAccount, "a1")[kPosts], 0);
  EXPECT_EQ(Totals(Scope::kAccount, "a2")[kPosts], 2);
  EXPECT_EQ(Totals(Scope::kHashtag, "x")[kPosts], 1);
}

// A post sent again without its time (the client left published_at out,
// and validation stamped the arrival) keeps the time it has: a retry of the
// same line moves neither it nor its count.
TEST_F(StoreWrite, APostSentAgainWithoutItsTimeKeepsIt) {
  MustWrite(Batch({Post("p1", "a1", {"x"})}));
  PostMeta again = Post("p1", "a1", {"x"}, kTestStart + absl::Hours(3));
  again.published_at_defaulted = true;
  WriteResult result = MustWrite(Batch({again}));
  EXPECT_TRUE(result.replaced_posts.empty());
  absl::StatusOr<std::optional<PostMeta>> stored = store_->GetPost("p1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->published_at, kTestStart);
  absl::StatusOr<std::vector<Bucket>> hours = store_->ScanSeries(
      Scope::kAccount, "a1", Resolution::kHour, kTestStart - absl::Hours(1),
      kTestStart + absl::Hours(4));
  ASSERT_TRUE(hours.ok()) << hours.status();
  int64_t at_first = 0;
  int64_t later = 0;
  for (const Bucket& b : *hours) {
    (b.start <= kTestStart ? at_first : later) += b.counts[kPosts];
  }
  EXPECT_EQ(at_first, 1);
  EXPECT_EQ(later, 0);
  // With a new account it moves, still at its own time.
  again.account_id = "a2";
  ASSERT_EQ(MustWrite(Batch({again})).replaced_posts.size(), 1u);
  EXPECT_EQ(Totals(Scope::kAccount, "a2")[kPosts], 1);
  EXPECT_EQ((*store_->GetPost("p1"))->published_at, kTestStart);
}

// A clean close flushes the memtables, so that the next open has no WAL to
// replay (seconds per hundred MB of it) and the data is all in SST files.
TEST_F(StoreWrite, CloseLeavesNoWalToReplay) {
  MustWrite(Batch({Post("p1", "acct", {"t"})}, {Like("p1")}));
  auto wal_bytes = [this] {
    uintmax_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(options_.data_dir))
      if (f.path().extension() == ".log") bytes += f.file_size();
    return bytes;
  };
  ASSERT_GT(wal_bytes(), 0u);
  store_.reset();
  EXPECT_EQ(wal_bytes(), 0u);
  Reopen();
  EXPECT_EQ(Totals(Scope::kPost, "p1")[kLikes], 1);
}

TEST_F(StoreWrite, GetPostsReadsManyAndSkipsTheUnknown) {
  std::vector<PostMeta> posts;
  for (int i = 0; i < 2500; ++i)  // more than one MultiGet chunk
    posts.push_back(Post(absl::StrCat("p", i), absl::StrCat("a", i % 7), {}));
  MustWrite(Batch(posts));
  Reopen();  // from the column family, not the cache
  std::vector<std::string> ids;
  for (int i = 0; i < 3000; i += 2) ids.push_back(absl::StrCat("p", i));
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::map<std::string, std::string> got;
  ASSERT_TRUE(store_
                  ->GetPosts(views,
                             [&](const PostMeta& meta) {
                               got[meta.post_id] = meta.account_id;
                             })
                  .ok());
  ASSERT_EQ(got.size(), 1250u);  // p2500..p2998 are unknown
  EXPECT_EQ(got["p0"], "a0");
  EXPECT_EQ(got["p2498"], absl::StrCat("a", 2498 % 7));
  EXPECT_EQ(got.count("p1"), 0u);
}

TEST_F(StoreWrite, UnknownPostReadsAsNullopt) {
  absl::StatusOr<std::optional<PostMeta>> meta = store_->GetPost("nope");
  ASSERT_TRUE(meta.ok());
  EXPECT_FALSE(meta->has_value());
}

TEST_F(StoreWrite, NegativeCountsReduceTotalsExactly) {
  MustWrite(Batch({}, {Like("p", kTestStart, "", 5)}));
  MustWrite(Batch(
      {}, {Like("p", kTestStart, "", -2), Like("p", kTestStart, "", -1)}));
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 2);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], 2);
}

TEST_F(StoreWrite, FollowsCountForAccountAndGlobal) {
  WriteResult r = MustWrite(
      Batch({}, {}, {Follow("a", 3), Follow("a", -1), Follow("b", 2)}));
  EXPECT_EQ(r.follows_written, 3);
  EXPECT_EQ(r.applied_follows.size(), 3u);
  EXPECT_EQ(Totals(Scope::kAccount, "a")[kFollowers], 2);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kFollowers], 4);
}

TEST_F(StoreWrite, ResentProducerSequenceIsADuplicateBatchAcrossReopen) {
  WriteInput batch = FromProducer("prod", 5, Batch({}, {Like("p")}));
  EXPECT_FALSE(MustWrite(batch).duplicate_batch);
  Reopen();
  EXPECT_TRUE(MustWrite(batch).duplicate_batch);
  batch.sequence = 6;
  EXPECT_FALSE(MustWrite(batch).duplicate_batch);
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 2);
}

// Concurrent unary calls of one producer may reach the store in any order:
// each batch is applied once, whichever comes first.
TEST_F(StoreWrite, ProducerBatchesStoredOutOfOrderEachCountOnce) {
  for (uint64_t seq : {3, 1, 2, 5, 4}) {
    WriteInput batch = FromProducer("prod", seq, Batch({}, {Like("p")}));
    EXPECT_FALSE(MustWrite(batch).duplicate_batch) << seq;
  }
  Reopen();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    WriteInput batch = FromProducer("prod", seq, Batch({}, {Like("p")}));
    EXPECT_TRUE(MustWrite(batch).duplicate_batch) << seq;
  }
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 5);
}

// A batch that comes more than the window below the producer's highest
// sequence cannot be told from a re-send, and is taken for one; the log says
// so, since a producer whose batches drift that far apart loses them.
TEST_F(StoreWrite, AProducerBatchFarBelowItsHighestSequenceIsADuplicate) {
  MustWrite(FromProducer("prod", 100, Batch({}, {Like("p")})));
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(MustWrite(FromProducer("prod", 100 - SeenRecord::kWindow,
                                      Batch({}, {Like("p")})))
                   .duplicate_batch);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(MustWrite(FromProducer("prod", 99 - SeenRecord::kWindow,
                                     Batch({}, {Like("p")})))
                  .duplicate_batch);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(
      absl::StrContains(log,
                        "producer \"prod\": batch 35 is more than 64 below "
                        "its highest sequence, 100"))
      << log;
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 2);
}

TEST_F(StoreWrite, ProducerSequencesAreIndependentPerProducer) {
  MustWrite(FromProducer("a", 9, Batch({}, {Like("p")})));
  EXPECT_FALSE(
      MustWrite(FromProducer("b", 1, Batch({}, {Like("p")}))).duplicate_batch);
}

TEST_F(StoreWrite, ResentEventIdsCountOnceAcrossReopen) {
  WriteResult first = MustWrite(
      Batch({}, {Like("p", kTestStart, "e1")}, {Follow("a", 1, "f1")}));
  EXPECT_TRUE(first.duplicate_engagements.empty());
  Reopen();
  WriteResult again = MustWrite(
      Batch({}, {Like("p", kTestStart, "e2"), Like("p", kTestStart, "e1")},
            {Follow("a", 1, "f1")}));
  EXPECT_EQ(again.duplicate_engagements, std::vector<int>{1});
  EXPECT_EQ(again.duplicate_follows, std::vector<int>{0});
  EXPECT_EQ(again.engagements_written, 1);
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 2);
  EXPECT_EQ(Totals(Scope::kAccount, "a")[kFollowers], 1);
}

TEST_F(StoreWrite, SecondOccurrenceOfAnEventIdWithinABatchIsADuplicate) {
  WriteResult r = MustWrite(Batch(
      {}, {Like("p", kTestStart, "e"), Like("p"), Like("p", kTestStart, "e")}));
  EXPECT_EQ(r.duplicate_engagements, std::vector<int>{2});
  ASSERT_EQ(r.applied.size(), 2u);
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 2);
}

// The keys of the idempotency column family's table files, read with
// RocksDB's own reader: after CompactAll (which flushes the memtable first)
// every key the column family holds.
std::vector<std::string> IdempotencyKeysOnDisk(Store& store) {
  std::vector<std::string> keys;
  const absl::Status s = store.WithDb([&](rocksdb::DB* db, bool) {
    std::vector<rocksdb::LiveFileMetaData> files;
    db->GetLiveFilesMetaData(&files);
    for (const rocksdb::LiveFileMetaData& file : files) {
      if (file.column_family_name != "idempotency") continue;
      rocksdb::SstFileReader reader{rocksdb::Options()};
      rocksdb::Status open = reader.Open(file.db_path + file.name);
      if (!open.ok()) return absl::InternalError(open.ToString());
      std::unique_ptr<rocksdb::Iterator> it(
          reader.NewIterator(rocksdb::ReadOptions()));
      for (it->SeekToFirst(); it->Valid(); it->Next())
        keys.push_back(it->key().ToString());
      if (!it->status().ok())
        return absl::InternalError(it->status().ToString());
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return keys;
}

// Write ignores an expired id by itself (SeenExpired), before any
// compaction: this holds whatever the compaction filter does (the next test
// checks the filter).
TEST_F(StoreWrite, EventIdsAreForgottenAfterTheDedupeRetention) {
  MustWrite(Batch({}, {Like("p", kTestStart, "e1")}));
  clock_.Advance(options_.dedupe_retention - absl::Seconds(1));
  EXPECT_EQ(
      MustWrite(Batch({}, {Like("p", kTestStart, "e1")})).engagements_written,
      0);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(
      MustWrite(Batch({}, {Like("p", kTestStart, "e1")})).engagements_written,
      1);
}

// The retention filter drops the expired record from the idempotency column
// family itself; Write's own expiry check alone would pass the last part.
TEST_F(StoreWrite, CompactionForgetsExpiredEventIdsAndKeepsFreshOnes) {
  MustWrite(Batch({}, {Like("p", kTestStart, "old")}));
  clock_.Advance(options_.dedupe_retention);
  MustWrite(Batch({}, {Like("p", kTestStart, "fresh")}));
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(IdempotencyKeysOnDisk(*store_),
            std::vector<std::string>{
                IdempotencyKeyString(IdempotencyKind::kEngagement, "fresh")});
  WriteResult r = MustWrite(Batch(
      {}, {Like("p", kTestStart, "old"), Like("p", kTestStart, "fresh")}));
  EXPECT_EQ(r.duplicate_engagements, std::vector<int>{1});
}

TEST_F(StoreWrite, InterleavedWritesFromManyThreadsCountExactly) {
  MustWrite(Batch({Post("p", "acct", {"t"})}));
  constexpr int kThreads = 4, kBatches = 50, kPerBatch = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        WriteInput in;
        for (int i = 0; i < kPerBatch; ++i) {
          in.engagements.push_back(
              Like(i % 2 ? "p" : "q", kTestStart + absl::Seconds(i % 7)));
        }
        in.follows.push_back(Follow("acct", t + 1));
        EXPECT_TRUE(store_->Write(in).ok());
        if (b % 10 == 0) {
          EXPECT_TRUE(store_->GetTotals(Scope::kPost, "p").ok());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  constexpr int64_t kAll = kThreads * kBatches * kPerBatch;
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], kAll / 2);
  EXPECT_EQ(Totals(Scope::kPost, "q")[kLikes], kAll / 2);
  EXPECT_EQ(Totals(Scope::kAccount, "acct")[kLikes], kAll / 2);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], kAll);
  EXPECT_EQ(Totals(Scope::kAccount, "acct")[kFollowers],
            (1 + 2 + 3 + 4) * kBatches);
  Reopen();
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], kAll);
}

// StoreOptions::counters_memtable_bytes (--counters_memtable_mb) is the size
// at which the counters' memtable is flushed into a table file: the same
// writes stay in memory at the default 32 MiB and are flushed at 1 MiB.
TEST_F(StoreWrite, TheCountersMemtableFlushesAtItsConfiguredSize) {
  const auto counters = [&] {
    for (const ColumnFamilyFigures& cf : store_->Storage().column_families) {
      if (cf.name == "counters") return cf;
    }
    ADD_FAILURE() << "no counters column family";
    return ColumnFamilyFigures{};
  };
  // 5,000 posts, each a counter at five resolutions: ~3 MiB of memtable.
  const auto write_posts = [&] {
    for (int b = 0; b < 5; ++b) {
      WriteInput in;
      for (int i = 0; i < 1000; ++i)
        in.engagements.push_back(Like(absl::StrCat("p", b, "-", i)));
      MustWrite(in);
    }
  };

  write_posts();
  EXPECT_GT(counters().memtable_bytes, uint64_t{1} << 20);
  EXPECT_EQ(counters().sst_bytes, 0u);

  options_.data_dir = dir_.path() + "/small";
  options_.counters_memtable_bytes = size_t{1} << 20;
  Reopen();
  write_posts();
  // The flush runs on RocksDB's thread, after the write that filled it.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (counters().sst_bytes == 0 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_GT(counters().sst_bytes, 0u);
  EXPECT_LT(counters().memtable_bytes, uint64_t{2} << 20);
  EXPECT_EQ(Totals(Scope::kPost, "p0-0")[kLikes], 1);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], 5000);
}

// The latest OPTIONS file RocksDB wrote in `dir`: the options it runs with.
std::string LatestOptionsFile(const std::string& dir) {
  std::string latest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("OPTIONS-", 0) == 0 && name > latest) latest = name;
  }
  std::ifstream in(dir + "/" + latest);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// StoreOptions::counters_compaction (--counters_compaction) reaches RocksDB,
// and a store switched from one style to the other and back keeps and takes
// every count.
TEST_F(StoreWrite, TheCountersSwitchCompactionStylesKeepingEveryCount) {
  const auto counters_style = [&] {
    const std::string options = LatestOptionsFile(options_.data_dir);
    const size_t section = options.find("[CFOptions \"counters\"]");
    EXPECT_NE(section, std::string::npos);
    if (section == std::string::npos) return std::string();
    const size_t key = options.find("compaction_style=", section);
    if (key == std::string::npos) return std::string();
    return options.substr(key, options.find('\n', key) - key);
  };
  const auto write_likes = [&](int batches) {
    for (int b = 0; b < batches; ++b) {
      WriteInput in;
      for (int i = 0; i < 100; ++i)
        in.engagements.push_back(Like(absl::StrCat("p", i)));
      MustWrite(in);
    }
  };
  EXPECT_EQ(counters_style(), "compaction_style=kCompactionStyleLevel");
  write_likes(3);
  ASSERT_TRUE(store_->CompactAll().ok());

  options_.counters_compaction = StoreOptions::Compaction::kUniversal;
  Reopen();
  EXPECT_EQ(counters_style(), "compaction_style=kCompactionStyleUniversal");
  EXPECT_EQ(Totals(Scope::kPost, "p7")[kLikes], 3);
  write_likes(2);
  ASSERT_TRUE(store_->CompactAll().ok());
  write_likes(1);  // left in the memtable, flushed at close

  options_.counters_compaction = StoreOptions::Compaction::kLeveled;
  Reopen();
  EXPECT_EQ(counters_style(), "compaction_style=kCompactionStyleLevel");
  EXPECT_EQ(Totals(Scope::kPost, "p7")[kLikes], 6);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], 600);
  write_likes(1);
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(Totals(Scope::kPost, "p99")[kLikes], 7);
}

// The value of option `name` in column family `cf`'s section of the latest
// OPTIONS file; empty when it has none.
std::string ColumnFamilyOption(const std::string& dir, const std::string& cf,
                               const std::string& name) {
  const std::string options = LatestOptionsFile(dir);
  const size_t section = options.find("[CFOptions \"" + cf + "\"]");
  if (section == std::string::npos) return "";
  const size_t section_end = options.find("\n[", section);
  const size_t key = options.find("\n  " + name + "=", section);
  if (key == std::string::npos || key > section_end) return "";
  const size_t value = key + name.size() + 4;
  return options.substr(value, options.find('\n', value) - value);
}

// Buckets of cold keys (old posts) sit in bottom-level files that no new
// write reaches: every column family with a retention filter is rewritten at
// least daily (RocksDB's default with a filter is 30 days), in either
// compaction style of the counters.
TEST_F(StoreWrite, ColumnFamiliesWithRetentionAreCompactedAtLeastDaily) {
  for (const auto style : {StoreOptions::Compaction::kLeveled,
                           StoreOptions::Compaction::kUniversal}) {
    options_.counters_compaction = style;
    Reopen();
    for (const char* cf : {"counters", "activity", "idempotency"}) {
      EXPECT_EQ(ColumnFamilyOption(options_.data_dir, cf,
                                   "periodic_compaction_seconds"),
                "86400")
          << cf;
    }
  }
  EXPECT_EQ(
      ColumnFamilyOption(options_.data_dir, "counters", "compaction_style"),
      "kCompactionStyleUniversal");
}

}  // namespace
}  // namespace pulse::storage
