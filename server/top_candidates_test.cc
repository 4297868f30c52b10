#include "server/top_candidates.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace pulse::server {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

storage::Counts Of(storage::Slot slot, int64_t n) {
  storage::Counts c{};
  c[slot] = n;
  return c;
}

// What a full scan ranks: (key, value) best first.
std::vector<std::pair<std::string, int64_t>> Flatten(
    const std::vector<RankedKey>& ranked) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const RankedKey& r : ranked) out.emplace_back(*r.key, r.value);
  return out;
}

std::vector<std::pair<std::string, int64_t>> FullScan(const SlidingWindow& w,
                                                      v1::Metric metric,
                                                      size_t limit) {
  std::vector<RankedKey> all;
  for (const auto& [key, counts] : w.sums()) {
    const int64_t value = MetricValue(metric, counts);
    if (value > 0) all.push_back(RankedKey{value, &key, &counts});
  }
  return Flatten(TopK(all, limit));
}

// Adds to the window and tells the candidates, as Boards::Record does.
void Add(SlidingWindow& w, TopCandidates& top, absl::Time now, absl::Time t,
         const std::string& key, const storage::Counts& delta) {
  if (w.Add(now, t, key, delta) && MetricValue(top.metric(), delta) > 0)
    top.Grew(w.sums(), key);
}

// Posts p0 .. p(n-1) with 1 .. n likes.
void AddRisingLikes(SlidingWindow& w, TopCandidates& top, int n) {
  for (int i = 0; i < n; ++i)
    Add(w, top, kNoon, kNoon, absl::StrCat("p", i), Of(storage::kLikes, 1 + i));
}

TEST(TopCandidates, RanksLikeAFullScan) {
  SlidingWindow w(absl::Hours(1), 60);
  TopCandidates top(v1::LIKES);
  for (int i = 0; i < 1000; ++i) {
    Add(w, top, kNoon, kNoon, absl::StrCat("p", i),
        Of(storage::kLikes, i % 97));
  }
  EXPECT_EQ(Flatten(top.Top(w.sums(), 10)), FullScan(w, v1::LIKES, 10));
}

TEST(TopCandidates, AnswersFromCandidatesWhileTheTopOnlyGrows) {
  SlidingWindow w(absl::Hours(1), 60);
  TopCandidates top(v1::ENGAGEMENTS);
  AddRisingLikes(w, top, 5000);
  top.Top(w.sums(), 10);
  ASSERT_EQ(top.rescans(), 1);
  // A post from far below the top overtakes everyone, and others grow.
  Add(w, top, kNoon, kNoon, "p7", Of(storage::kShares, 100'000));
  for (int i = 4000; i < 5000; ++i)
    Add(w, top, kNoon, kNoon, absl::StrCat("p", i), Of(storage::kClicks, 3));
  EXPECT_EQ(Flatten(top.Top(w.sums(), 10)), FullScan(w, v1::ENGAGEMENTS, 10));
  EXPECT_EQ(top.rescans(), 1);
}

TEST(TopCandidates, RescansWhenTheLimitOutgrowsTheCandidates) {
  SlidingWindow w(absl::Hours(1), 60);
  TopCandidates top(v1::LIKES);
  AddRisingLikes(w, top, 5000);
  top.Top(w.sums(), 10);
  EXPECT_EQ(Flatten(top.Top(w.sums(), 1000)), FullScan(w, v1::LIKES, 1000));
  EXPECT_EQ(top.rescans(), 2);
}

TEST(TopCandidates, RescansWhenExpiryLeavesTooFewProvenCandidates) {
  SlidingWindow w(absl::Hours(1), 60);
  TopCandidates top(v1::LIKES);
  // The old leaders expire; the posts that were below the bound lead next.
  for (int i = 0; i < 1000; ++i)
    Add(w, top, kNoon, kNoon, absl::StrCat("old", i),
        Of(storage::kLikes, 1000));
  const absl::Time half = kNoon + absl::Minutes(30);
  for (int i = 0; i < 999; ++i)
    Add(w, top, half, half, absl::StrCat("new", i), Of(storage::kLikes, 1 + i));
  ASSERT_EQ(FullScan(w, v1::LIKES, 1)[0].first, "old0");
  top.Top(w.sums(), 10);
  const absl::Time later = kNoon + absl::Minutes(61);
  std::vector<std::string> rose;
  w.Advance(later, &rose);
  EXPECT_EQ(Flatten(top.Top(w.sums(), 10)), FullScan(w, v1::LIKES, 10));
  EXPECT_EQ(FullScan(w, v1::LIKES, 1)[0].first, "new998");
  EXPECT_EQ(top.rescans(), 2);
}

TEST(TopCandidates, CountsAKeyThatRoseWhenANegativeStepExpired) {
  SlidingWindow w(absl::Hours(1), 60);
  TopCandidates top(v1::LIKES);
  for (int i = 0; i < 1000; ++i)
    Add(w, top, kNoon, kNoon, absl::StrCat("p", i), Of(storage::kLikes, 5));
  // An unlike stamped early, of a like stamped later: 0 now, +500 once the
  // early step expires.
  Add(w, top, kNoon, kNoon - absl::Minutes(50), "late",
      Of(storage::kLikes, -500));
  Add(w, top, kNoon, kNoon, "late", Of(storage::kLikes, 500));
  top.Top(w.sums(), 10);
  std::vector<std::string> rose;
  w.Advance(kNoon + absl::Minutes(15), &rose);
  ASSERT_EQ(rose, std::vector<std::string>{"late"});
  for (const std::string& key : rose) top.Grew(w.sums(), key);
  EXPECT_EQ(Flatten(top.Top(w.sums(), 3)), FullScan(w, v1::LIKES, 3));
  EXPECT_EQ(Flatten(top.Top(w.sums(), 3))[0].first, "late");
}

// Random adds (some negative, some late, some expired), advances, metrics and
// limits: every read must equal the full scan.
TEST(TopCandidates, MatchesAFullScanUnderRandomChanges) {
  std::mt19937_64 rng(20261129);
  SlidingWindow w(absl::Minutes(10), 60);
  std::vector<TopCandidates> tops;
  for (v1::Metric m : {v1::ENGAGEMENTS, v1::LIKES, v1::IMPRESSIONS})
    tops.emplace_back(m);
  absl::Time now = kNoon;
  int64_t reads = 0, rescans = 0;
  auto advance = [&] {
    std::vector<std::string> rose;
    w.Advance(now, &rose);
    for (TopCandidates& top : tops) {
      for (const std::string& key : rose) top.Grew(w.sums(), key);
    }
  };
  for (int op = 0; op < 20'000; ++op) {
    const int pick = static_cast<int>(rng() % 100);
    if (pick < 85) {
      const std::string key = absl::StrCat("p", rng() % 3000);
      const auto slot = static_cast<storage::Slot>(rng() % 5);
      const int64_t n = static_cast<int64_t>(rng() % 50) - 5;
      const absl::Time t =
          now - absl::Seconds(static_cast<int64_t>(rng() % 700));
      if (!w.Add(now, t, key, Of(slot, n))) continue;
      for (TopCandidates& top : tops) {
        if (MetricValue(top.metric(), Of(slot, n)) > 0) top.Grew(w.sums(), key);
      }
    } else if (pick < 90) {
      now += absl::Seconds(static_cast<int64_t>(rng() % 30));
      advance();
    } else {
      TopCandidates& top = tops[rng() % tops.size()];
      const size_t limit = 1 + rng() % 40;
      advance();
      ASSERT_EQ(Flatten(top.Top(w.sums(), limit)),
                FullScan(w, top.metric(), limit))
          << "op " << op << " metric " << top.metric() << " limit " << limit;
      ++reads;
    }
  }
  for (const TopCandidates& top : tops) rescans += top.rescans();
  // The point of it: most reads are answered without a scan.
  EXPECT_LT(rescans * 4, reads) << rescans << " rescans for " << reads;
}

}  // namespace
}  // namespace pulse::server
