// Store reads: buckets and their edges, series, activity, retention, unique
// users.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/system_clock.h"
#include "storage/store.h"
#include "storage/test_util.h"

namespace pulse::storage {
namespace {

using StoreRead = StoreTest;

// 12:00:00 UTC on 2023-11-15.
const absl::Time kNoon = absl::FromUnixSeconds(1'700'049'600);

std::vector<Bucket> Series(Store& store, Scope scope, std::string_view id,
                           Resolution res, absl::Time start, absl::Time end) {
  absl::StatusOr<std::vector<Bucket>> s =
      store.ScanSeries(scope, id, res, start, end);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : std::vector<Bucket>{};
}

std::vector<absl::Time> Starts(const std::vector<Bucket>& buckets) {
  std::vector<absl::Time> out;
  for (const Bucket& b : buckets) out.push_back(b.start);
  return out;
}

TEST(Buckets, StartFloorsToTheResolutionInUtc) {
  const absl::Time t = kNoon + absl::Minutes(1) + absl::Milliseconds(1500);
  EXPECT_EQ(BucketStart(Resolution::kSecond, t), kNoon + absl::Seconds(61));
  EXPECT_EQ(BucketStart(Resolution::kMinute, t), kNoon + absl::Minutes(1));
  EXPECT_EQ(BucketStart(Resolution::kHour, t), kNoon);
  EXPECT_EQ(BucketStart(Resolution::kDay, t), kNoon - absl::Hours(12));
  EXPECT_EQ(BucketStart(Resolution::kTotal, t), absl::InfinitePast());
  EXPECT_EQ(BucketWidth(Resolution::kTotal), absl::InfiniteDuration());
}

TEST_F(StoreRead, InstantsEitherSideOfAMinuteLandInDifferentMinutes) {
  const absl::Time before = kNoon + absl::Seconds(59) + absl::Milliseconds(999);
  const absl::Time after = kNoon + absl::Minutes(1);
  MustWrite(Batch({}, {Like("p", before), Like("p", after, "", 2)}));
  std::vector<Bucket> minutes =
      Series(*store_, Scope::kPost, "p", Resolution::kMinute, kNoon,
             kNoon + absl::Hours(1));
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].start, kNoon);
  EXPECT_EQ(minutes[0].counts[kLikes], 1);
  EXPECT_EQ(minutes[1].start, after);
  EXPECT_EQ(minutes[1].counts[kLikes], 2);
  std::vector<Bucket> seconds =
      Series(*store_, Scope::kPost, "p", Resolution::kSecond, kNoon,
             kNoon + absl::Hours(1));
  EXPECT_EQ(Starts(seconds),
            (std::vector<absl::Time>{kNoon + absl::Seconds(59), after}));
}

TEST_F(StoreRead, InstantsEitherSideOfAnHourAndADayLandInDifferentBuckets) {
  const absl::Time midnight = kNoon + absl::Hours(12);
  MustWrite(Batch(
      {}, {Like("p", midnight - absl::Nanoseconds(1)), Like("p", midnight)}));
  EXPECT_EQ(Starts(Series(*store_, Scope::kPost, "p", Resolution::kHour, kNoon,
                          midnight + absl::Hours(1))),
            (std::vector<absl::Time>{midnight - absl::Hours(1), midnight}));
  EXPECT_EQ(Starts(Series(*store_, Scope::kPost, "p", Resolution::kDay,
                          kNoon - absl::Hours(12), midnight + absl::Hours(24))),
            (std::vector<absl::Time>{kNoon - absl::Hours(12), midnight}));
}

TEST_F(StoreRead, SeriesIsHalfOpenAndOldestFirst) {
  MustWrite(Batch({}, {Like("p", kNoon + absl::Minutes(2)), Like("p", kNoon),
                       Like("p", kNoon + absl::Minutes(1)),
                       Like("p", kNoon + absl::Minutes(3))}));
  EXPECT_EQ(Starts(Series(*store_, Scope::kPost, "p", Resolution::kMinute,
                          kNoon + absl::Seconds(1), kNoon + absl::Minutes(3))),
            (std::vector<absl::Time>{kNoon + absl::Minutes(1),
                                     kNoon + absl::Minutes(2)}));
}

TEST_F(StoreRead, SeriesOfOneEntityExcludesOthersWithSimilarIds) {
  MustWrite(Batch({}, {Like("p", kNoon), Like("p2", kNoon), Like("", kNoon)}));
  std::vector<Bucket> s =
      Series(*store_, Scope::kPost, "p", Resolution::kSecond,
             absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].counts[kLikes], 1);
}

TEST_F(StoreRead, TotalsAreNotPartOfASeries) {
  MustWrite(Batch({}, {Like("p", kNoon)}));
  EXPECT_EQ(Series(*store_, Scope::kPost, "p", Resolution::kSecond,
                   absl::InfinitePast(), absl::InfiniteFuture())
                .size(),
            1u);
  EXPECT_FALSE(store_
                   ->ScanSeries(Scope::kPost, "p", Resolution::kTotal, kNoon,
                                kNoon + absl::Hours(1))
                   .ok());
}

TEST_F(StoreRead, ActivityReturnsPostBucketsInTimeOrder) {
  MustWrite(Batch({Post("p1", "a", {"tag"}, kNoon)},
                  {Like("p2", kNoon + absl::Seconds(5)),
                   Like("p1", kNoon + absl::Seconds(1), "", 2),
                   Like("p2", kNoon + absl::Seconds(1))}));
  std::vector<std::tuple<absl::Time, std::string, int64_t>> seen;
  ASSERT_TRUE(
      store_
          ->ScanActivity(Resolution::kSecond, kNoon, kNoon + absl::Minutes(1),
                         [&](Scope scope, absl::Time t, std::string_view id,
                             const Counts& c) {
                           if (scope == Scope::kPost)
                             seen.emplace_back(t, std::string(id), c[kLikes]);
                           return true;
                         })
          .ok());
  EXPECT_EQ(seen, (std::vector<std::tuple<absl::Time, std::string, int64_t>>{
                      {kNoon + absl::Seconds(1), "p1", 2},
                      {kNoon + absl::Seconds(1), "p2", 1},
                      {kNoon + absl::Seconds(5), "p2", 1}}));
}

TEST_F(StoreRead, ActivityThroughASnapshotMissesLaterWritesAndStopsWhenAsked) {
  MustWrite(Batch({}, {Like("p1", kNoon), Like("p2", kNoon)}));
  absl::StatusOr<std::unique_ptr<StoreSnapshot>> snapshot =
      store_->TakeSnapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  MustWrite(Batch({}, {Like("p1", kNoon, "", 5), Like("p3", kNoon)}));
  auto scan = [&](const StoreSnapshot* at, size_t stop_after) {
    std::vector<std::pair<std::string, int64_t>> seen;
    absl::Status s = store_->ScanActivity(
        Resolution::kSecond, kNoon, kNoon + absl::Minutes(1),
        [&](Scope scope, absl::Time, std::string_view id, const Counts& c) {
          if (scope == Scope::kPost) seen.emplace_back(id, c[kLikes]);
          return seen.size() < stop_after;
        },
        at);
    EXPECT_TRUE(s.ok()) << s;
    return seen;
  };
  using Seen = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(scan(snapshot->get(), 10), (Seen{{"p1", 1}, {"p2", 1}}));
  EXPECT_EQ(scan(nullptr, 10), (Seen{{"p1", 6}, {"p2", 1}, {"p3", 1}}));
  EXPECT_EQ(scan(nullptr, 2), (Seen{{"p1", 6}, {"p2", 1}}));
  snapshot->reset();
  EXPECT_EQ(scan(nullptr, 10), (Seen{{"p1", 6}, {"p2", 1}, {"p3", 1}}));
}

TEST_F(StoreRead, ActivityOfHashtagsIncludesTheirNewPosts) {
  MustWrite(Batch({Post("p1", "a", {"tag"}, kNoon)},
                  {Like("p1", kNoon + absl::Seconds(70))}));
  std::vector<std::pair<absl::Time, Counts>> seen;
  ASSERT_TRUE(store_
                  ->ScanActivity(Resolution::kMinute, kNoon,
                                 kNoon + absl::Hours(1),
                                 [&](Scope scope, absl::Time t,
                                     std::string_view id, const Counts& c) {
                                   if (scope != Scope::kHashtag) return true;
                                   EXPECT_EQ(id, "tag");
                                   seen.emplace_back(t, c);
                                   return true;
                                 })
                  .ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, kNoon);
  EXPECT_EQ(seen[0].second[kPosts], 1);
  EXPECT_EQ(seen[1].first, kNoon + absl::Minutes(1));
  EXPECT_EQ(seen[1].second[kLikes], 1);
}

// Activity keys are in time order: the compactions of new data never reach
// the expired buckets, so they are compacted on their own.
TEST_F(StoreRead, ExpiredActivityIsCompactedOnItsOwn) {
  const absl::Time t = kTestStart + absl::Seconds(30);
  MustWrite(Batch({}, {Like("p", t), Like("p", t + absl::Hours(1), "", 4)}));
  clock_.Set(t + absl::Hours(2) + absl::Seconds(2));
  auto count = [&](Resolution res) {
    int n = 0;
    EXPECT_TRUE(
        store_
            ->ScanActivity(
                res, absl::InfinitePast(), absl::InfiniteFuture(),
                [&](Scope scope, absl::Time, std::string_view, const Counts&) {
                  n += scope == Scope::kPost;
                  return true;
                })
            .ok());
    return n;
  };
  ASSERT_EQ(count(Resolution::kSecond), 2);
  ASSERT_TRUE(store_->CompactExpiredActivity().ok());
  EXPECT_EQ(count(Resolution::kSecond), 1);  // the first is 2 h + 1 s past
  EXPECT_EQ(count(Resolution::kMinute), 2);
  // The counters are untouched: their keys are not in time order, and the
  // automatic compactions reach their expired buckets. (Reads leave an
  // expired bucket out: seen from its own time, it is still there.)
  clock_.Set(t);
  EXPECT_EQ(Series(*store_, Scope::kPost, "p", Resolution::kSecond,
                   absl::InfinitePast(), absl::InfiniteFuture())
                .size(),
            2u);
  clock_.Set(t + absl::Hours(2) + absl::Seconds(2));
  // Nothing expired: nothing to do, and nothing dropped.
  ASSERT_TRUE(store_->CompactExpiredActivity().ok());
  EXPECT_EQ(count(Resolution::kSecond), 1);
}

// RocksDB's wall clock, `shift` ahead of the system's: what it dates table
// files by and ages them against for periodic compaction.
class ShiftedClock : public rocksdb::SystemClockWrapper {
 public:
  ShiftedClock() : SystemClockWrapper(rocksdb::SystemClock::Default()) {}
  static const char* kClassName() { return "ShiftedClock"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::Status GetCurrentTime(int64_t* unix_time) override {
    const rocksdb::Status s = target_->GetCurrentTime(unix_time);
    *unix_time += shift_seconds.load();
    return s;
  }
  std::atomic<int64_t> shift_seconds{0};
};

// The default Env with a ShiftedClock.
class ShiftedEnv : public rocksdb::EnvWrapper {
 public:
  explicit ShiftedEnv(std::shared_ptr<ShiftedClock> clock)
      : EnvWrapper(rocksdb::Env::Default()), clock_(std::move(clock)) {
    system_clock_ = clock_;
  }
  static const char* kClassName() { return "ShiftedEnv"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::Status GetCurrentTime(int64_t* unix_time) override {
    return clock_->GetCurrentTime(unix_time);
  }

 private:
  std::shared_ptr<ShiftedClock> clock_;
};

// A store whose RocksDB runs on a ShiftedClock.
class StoreRetentionOfColdKeys : public StoreTest {
 protected:
  StoreRetentionOfColdKeys()
      : rocks_clock_(std::make_shared<ShiftedClock>()),
        env_(std::make_unique<ShiftedEnv>(rocks_clock_)) {
    options_.env = env_.get();
  }
  void TearDown() override { store_.reset(); }  // before env_

  std::shared_ptr<ShiftedClock> rocks_clock_;
  std::unique_ptr<ShiftedEnv> env_;
};

// The bucket of a post that gets no more engagements sits in a bottom-level
// file that no compaction of new data reaches: RocksDB's periodic compaction
// rewrites it within a day (not its default 30 days), and the retention
// filter drops it then, in either compaction style of the counters.
TEST_F(StoreRetentionOfColdKeys, ExpiredBucketsOfAColdPostGoWithinADay) {
  for (const auto style : {StoreOptions::Compaction::kLeveled,
                           StoreOptions::Compaction::kUniversal}) {
    SCOPED_TRACE(style == StoreOptions::Compaction::kLeveled ? "leveled"
                                                             : "universal");
    options_.counters_compaction = style;
    rocks_clock_->shift_seconds = 0;
    clock_.Set(kTestStart);
    Reopen();
    const std::string post = absl::StrCat("cold", static_cast<int>(style));
    MustWrite(Batch({}, {Like(post)}));
    ASSERT_TRUE(store_->CompactAll().ok());  // into the bottom level, kept
    const auto seconds = [&] {
      return Series(*store_, Scope::kPost, post, Resolution::kSecond,
                    absl::InfinitePast(), absl::InfiniteFuture())
          .size();
    };
    ASSERT_EQ(seconds(), 1u);

    // A day and an hour later (second buckets expire after 2 h): the reopen
    // finds which files are due, as any flush or compaction would.
    clock_.Advance(absl::Hours(25));
    rocks_clock_->shift_seconds = 25 * 3600;
    Reopen();
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (seconds() != 0 && absl::Now() < deadline)
      absl::SleepFor(absl::Milliseconds(20));
    EXPECT_EQ(seconds(), 0u);
    EXPECT_EQ(Totals(Scope::kPost, post)[kLikes], 1);
  }
}

TEST_F(StoreRead, CompactionDropsExpiredSecondsAndKeepsMinutesAndTotals) {
  const absl::Time t = kTestStart + absl::Seconds(30);
  MustWrite(Batch({}, {Like("p", t), Like("p", t + absl::Hours(1), "", 4)}));
  // The first second bucket is 2 h + 1 s past its end; the second is not.
  clock_.Set(t + absl::Hours(2) + absl::Seconds(2));
  ASSERT_TRUE(store_->CompactAll().ok());
  std::vector<Bucket> seconds =
      Series(*store_, Scope::kPost, "p", Resolution::kSecond,
             absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(seconds.size(), 1u);
  EXPECT_EQ(seconds[0].start, t + absl::Hours(1));
  EXPECT_EQ(seconds[0].counts[kLikes], 4);
  std::vector<Bucket> minutes =
      Series(*store_, Scope::kPost, "p", Resolution::kMinute,
             absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].counts[kLikes], 1);
  EXPECT_EQ(minutes[1].counts[kLikes], 4);
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 5);
  EXPECT_EQ(Totals(Scope::kGlobal, "")[kLikes], 5);
  int activity_seconds = 0;
  ASSERT_TRUE(
      store_
          ->ScanActivity(
              Resolution::kSecond, absl::InfinitePast(), absl::InfiniteFuture(),
              [&](Scope scope, absl::Time, std::string_view, const Counts&) {
                activity_seconds += scope == Scope::kPost;
                return true;
              })
          .ok());
  EXPECT_EQ(activity_seconds, 1);
}

// A bucket past its retention is not served before a compaction drops it
// either: what an old range shows does not depend on when one ran.
TEST_F(StoreRead, AnExpiredBucketIsNotServedBeforeItsCompaction) {
  const absl::Time t = kTestStart + absl::Seconds(30);
  MustWrite(Batch({}, {Like("p", t, "", 3), Like("p", t + absl::Hours(1))}));
  clock_.Set(t + absl::Hours(2) + absl::Seconds(2));  // as above, no compaction
  std::vector<Bucket> seconds =
      Series(*store_, Scope::kPost, "p", Resolution::kSecond,
             absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(seconds.size(), 1u);
  EXPECT_EQ(seconds[0].start, t + absl::Hours(1));
  absl::StatusOr<Store::EntityFigures> figures =
      store_->ReadEntity({Scope::kPost, "p", Resolution::kSecond, t,
                          t + absl::Hours(1) + absl::Seconds(1)});
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->range_sum[kLikes], 1);
  EXPECT_EQ(figures->totals[kLikes], 4);
}

TEST_F(StoreRead, CompactionAfterMoreWritesKeepsCountsExact) {
  for (int i = 0; i < 3; ++i) {
    MustWrite(Batch({}, {Like("p", kTestStart, "", 10)}));
    ASSERT_TRUE(store_->CompactAll().ok());
  }
  MustWrite(Batch({}, {Like("p", kTestStart, "", -7)}));
  EXPECT_EQ(Totals(Scope::kPost, "p")[kLikes], 23);
}

TEST_F(StoreRead, UniqueUsersAreWithinThreeSigmaAndStableAcrossReopen) {
  MustWrite(Batch({Post("p", "acct", {})}));
  constexpr int kUsers = 100'000;
  for (int b = 0; b < kUsers / 10'000; ++b) {
    WriteInput in;
    for (int i = b * 10'000; i < (b + 1) * 10'000; ++i) {
      in.engagements.push_back(
          Like("p", kTestStart, "", 1, absl::StrCat("user-", i)));
    }
    MustWrite(in);
  }
  absl::StatusOr<int64_t> post = store_->EstimateUniqueUsers(Scope::kPost, "p");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_NEAR(*post, kUsers, kUsers * 0.05);
  EXPECT_EQ(store_->EstimateUniqueUsers(Scope::kAccount, "acct").value(),
            *post);
  Reopen();
  EXPECT_EQ(store_->EstimateUniqueUsers(Scope::kPost, "p").value(), *post);
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(store_->EstimateUniqueUsers(Scope::kPost, "p").value(), *post);
}

TEST_F(StoreRead, UniqueUsersIgnoreImpressionsAndAnonymousEvents) {
  EngagementEvent impression = Like("p", kTestStart, "", 1, "viewer");
  impression.kind = kImpressions;
  MustWrite(
      Batch({}, {impression, Like("p"), Like("p", kTestStart, "", 1, "u1"),
                 Like("p", kTestStart, "", 1, "u1")}));
  EXPECT_EQ(store_->EstimateUniqueUsers(Scope::kPost, "p").value(), 1);
  EXPECT_EQ(store_->EstimateUniqueUsers(Scope::kPost, "none").value(), 0);
}

// ReadEntity's figures, checked against the separate reads it replaces.
void ExpectReadEntityMatchesSeparateReads(Store& store, Scope scope,
                                          std::string_view id, Resolution res,
                                          absl::Time start, absl::Time end) {
  SCOPED_TRACE(absl::StrCat("id=", std::string(id), " [",
                            absl::FormatTime(start), ", ",
                            absl::FormatTime(end), ")"));
  const bool users = scope == Scope::kPost || scope == Scope::kAccount;
  absl::StatusOr<Store::EntityFigures> figures =
      store.ReadEntity({scope, id, res, start, end, users});
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->totals, store.GetTotals(scope, id).value());
  Counts sum{};
  const std::vector<Bucket> series = Series(store, scope, id, res, start, end);
  for (const Bucket& b : series) {
    for (int i = 0; i < kNumSlots; ++i) sum[i] += b.counts[i];
  }
  EXPECT_EQ(figures->range_sum, sum);
  // The range's first bucket, when it holds anything: none starts before it
  // in the range.
  const bool first_held =
      !series.empty() && series.front().start < start + BucketWidth(res);
  EXPECT_EQ(figures->first_bucket,
            first_held ? series.front().counts : Counts{});
  EXPECT_EQ(figures->unique_users,
            users ? store.EstimateUniqueUsers(scope, id).value() : 0);
}

TEST_F(StoreRead, ReadEntityMatchesTheSeparateReadsAtEveryRangeSize) {
  // A like a minute for 200 minutes (n likes in minute n, by user n % 7),
  // and a neighbour whose id extends this one's.
  MustWrite(Batch({Post("p", "acct", {"tag"})}));
  WriteInput in;
  for (int m = 0; m < 200; ++m) {
    in.engagements.push_back(Like("p", kNoon + absl::Minutes(m), "", m + 1,
                                  absl::StrCat("u", m % 7)));
    in.engagements.push_back(Like("p2", kNoon + absl::Minutes(m)));
  }
  MustWrite(in);
  const Store::EntityQuery probe{
      Scope::kPost, "p", Resolution::kMinute, kNoon, kNoon + absl::Minutes(6),
      true};
  const Counts memtable = store_->ReadEntity(probe).value().range_sum;
  EXPECT_EQ(memtable[kLikes], 1 + 2 + 3 + 4 + 5 + 6);

  for (bool compacted : {false, true}) {
    SCOPED_TRACE(compacted ? "after compaction" : "in the memtable");
    if (compacted) {
      ASSERT_TRUE(store_->CompactAll().ok());
    }
    // Empty, aligned and not, point-read (<= 64 buckets) and scanned (> 64).
    for (int minutes :
         {0, 1, 6, Store::kMaxPointBuckets, Store::kMaxPointBuckets + 1, 250}) {
      for (absl::Duration offset :
           {absl::ZeroDuration(), absl::Seconds(30), absl::Nanoseconds(1)}) {
        const absl::Time start = kNoon + absl::Minutes(20) + offset;
        ExpectReadEntityMatchesSeparateReads(*store_, Scope::kPost, "p",
                                             Resolution::kMinute, start,
                                             start + absl::Minutes(minutes));
      }
    }
    ExpectReadEntityMatchesSeparateReads(
        *store_, Scope::kAccount, "acct", Resolution::kHour,
        kNoon - absl::Hours(1), kNoon + absl::Hours(5));
    ExpectReadEntityMatchesSeparateReads(*store_, Scope::kGlobal, "",
                                         Resolution::kSecond, kNoon,
                                         kNoon + absl::Seconds(61));
    ExpectReadEntityMatchesSeparateReads(*store_, Scope::kHashtag, "tag",
                                         Resolution::kDay, absl::InfinitePast(),
                                         absl::InfiniteFuture());
    ExpectReadEntityMatchesSeparateReads(*store_, Scope::kPost, "unknown",
                                         Resolution::kMinute, kNoon,
                                         kNoon + absl::Hours(1));
  }
  EXPECT_EQ(store_->ReadEntity(probe).value().range_sum, memtable);
}

TEST_F(StoreRead, ReadEntityRefusesTotalsAsARangeAndSketchlessScopes) {
  absl::StatusOr<Store::EntityFigures> totals = store_->ReadEntity(
      {Scope::kPost, "p", Resolution::kTotal, kNoon, kNoon + absl::Hours(1)});
  EXPECT_EQ(totals.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Store::EntityFigures> hashtag = store_->ReadEntity(
      {Scope::kHashtag, "t", Resolution::kMinute, kNoon, kNoon, true});
  EXPECT_EQ(hashtag.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreRead, OneBlockCacheServesEveryColumnFamilyAndIsReportedOnce) {
  options_.block_cache_bytes = 8 << 20;
  Reopen();
  MustWrite(Batch({Post("p", "acct", {})}, {Like("p", kNoon, "", 1, "u")}));
  ASSERT_TRUE(store_->CompactAll().ok());
  ASSERT_TRUE(store_
                  ->ReadEntity({Scope::kPost, "p", Resolution::kMinute, kNoon,
                                kNoon + absl::Minutes(1), true})
                  .ok());
  std::map<std::string, uint64_t> stats;
  for (const auto& [name, value] : store_->Stats()) {
    EXPECT_TRUE(stats.emplace(name, value).second) << name << " twice";
  }
  EXPECT_EQ(stats.at("rocksdb.block-cache-capacity"), 8u << 20);
  EXPECT_GT(stats.at("rocksdb.block-cache-usage"), 0u);
  EXPECT_LE(stats.at("rocksdb.block-cache-usage"), 8u << 20);
}

}  // namespace
}  // namespace pulse::storage
