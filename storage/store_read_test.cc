// Store reads: buckets and their edges, series, activity, retention, unique
// users.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
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

}  // namespace
}  // namespace pulse::storage
