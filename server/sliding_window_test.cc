#include "server/sliding_window.h"

#include "gtest/gtest.h"

namespace pulse::server {
namespace {

const absl::Time kNoon =
    absl::FromUnixSeconds(1'800'000'000);  // a whole minute

storage::Counts Likes(int64_t n) {
  storage::Counts c{};
  c[storage::kLikes] = n;
  return c;
}

TEST(SlidingWindow, SumsWhatWasAddedWithinTheWindow) {
  SlidingWindow w(absl::Minutes(60), 60);
  EXPECT_TRUE(w.Add(kNoon, kNoon - absl::Minutes(30), "p1", Likes(2)));
  EXPECT_TRUE(w.Add(kNoon, kNoon, "p1", Likes(3)));
  EXPECT_TRUE(w.Add(kNoon, kNoon, "p2", Likes(1)));
  w.Advance(kNoon);
  EXPECT_EQ(w.sums().at("p1")[storage::kLikes], 5);
  EXPECT_EQ(w.sums().at("p2")[storage::kLikes], 1);
}

TEST(SlidingWindow, IgnoresTimesBeforeTheWindow) {
  SlidingWindow w(absl::Minutes(60), 60);
  EXPECT_FALSE(w.Add(kNoon, kNoon - absl::Minutes(61), "p1", Likes(2)));
  EXPECT_TRUE(w.sums().empty());
}

TEST(SlidingWindow, ExpiresStepsAsTimeMoves) {
  SlidingWindow w(absl::Minutes(60), 60);
  w.Add(kNoon, kNoon, "old", Likes(4));
  w.Add(kNoon + absl::Minutes(30), kNoon + absl::Minutes(30), "new", Likes(1));
  w.Advance(kNoon + absl::Minutes(59));
  EXPECT_EQ(w.sums().at("old")[storage::kLikes], 4);
  const std::vector<std::string> gone = w.Advance(kNoon + absl::Minutes(60));
  EXPECT_EQ(gone, std::vector<std::string>{"old"});
  EXPECT_FALSE(w.sums().contains("old"));
  EXPECT_EQ(w.sums().at("new")[storage::kLikes], 1);
}

// A time ahead of now (ingest takes up to 5 minutes ahead) counts from its
// time until it is a window old, as the series and velocity count it: it
// neither leaves a board early nor ranks before its time (a producer whose
// clock runs ahead would otherwise be ranked on it for longer).
TEST(SlidingWindow, CountsFutureTimesFromTheirTimeUntilTheyAreAWindowOld) {
  SlidingWindow w(absl::Minutes(5), 60);
  EXPECT_TRUE(w.Add(kNoon, kNoon + absl::Minutes(2), "p", Likes(1)));
  EXPECT_TRUE(w.sums().empty());
  std::vector<std::string> rose;
  w.Advance(kNoon + absl::Minutes(2) - absl::Seconds(1), &rose);
  EXPECT_TRUE(w.sums().empty());
  const uint64_t before = w.version();
  w.Advance(kNoon + absl::Minutes(2), &rose);
  EXPECT_EQ(w.sums().at("p")[storage::kLikes], 1);
  EXPECT_EQ(rose, std::vector<std::string>{"p"});
  EXPECT_GT(w.version(), before);
  w.Advance(kNoon + absl::Minutes(7) - absl::Seconds(1));
  EXPECT_EQ(w.sums().at("p")[storage::kLikes], 1);
  w.Advance(kNoon + absl::Minutes(7));
  EXPECT_TRUE(w.sums().empty());
  // Further ahead than a window is taken as a window ahead.
  EXPECT_TRUE(
      w.Add(kNoon + absl::Minutes(7), kNoon + absl::Hours(24), "q", Likes(1)));
  w.Advance(kNoon + absl::Minutes(12) - absl::Seconds(1));
  EXPECT_TRUE(w.sums().empty());
  w.Advance(kNoon + absl::Minutes(12));
  EXPECT_EQ(w.sums().at("q")[storage::kLikes], 1);
  w.Advance(kNoon + absl::Minutes(17));
  EXPECT_TRUE(w.sums().empty());
}

// A step whose time came is counted by the next Add into it even before an
// Advance, with what it held.
TEST(SlidingWindow, AFutureStepWhoseTimeCameCountsWhenAddedTo) {
  SlidingWindow w(absl::Minutes(5), 60);
  w.Add(kNoon, kNoon + absl::Minutes(1), "p", Likes(2));
  w.Add(kNoon + absl::Minutes(1), kNoon + absl::Minutes(1), "p", Likes(3));
  EXPECT_EQ(w.sums().at("p")[storage::kLikes], 5);
  w.Advance(kNoon + absl::Minutes(1));
  EXPECT_EQ(w.sums().at("p")[storage::kLikes], 5);
}

TEST(SlidingWindow, KeepsLateStepsInOrder) {
  SlidingWindow w(absl::Minutes(60), 60);
  w.Add(kNoon, kNoon, "p", Likes(1));
  w.Add(kNoon, kNoon - absl::Minutes(10), "p", Likes(10));
  w.Advance(kNoon + absl::Minutes(50));  // the late step expires first
  EXPECT_EQ(w.sums().at("p")[storage::kLikes], 1);
}

TEST(SlidingWindow, UndoneCountsLeaveNoEntryBehind) {
  SlidingWindow w(absl::Minutes(60), 60);
  w.Add(kNoon, kNoon, "p", Likes(1));
  w.Add(kNoon + absl::Minutes(1), kNoon + absl::Minutes(1), "p", Likes(-1));
  w.Advance(kNoon + absl::Minutes(60));
  EXPECT_EQ(w.sums().at("p")[storage::kLikes], -1);
  w.Advance(kNoon + absl::Minutes(61));
  EXPECT_TRUE(w.sums().empty());
}

// Merging keeps each delta in its step: the merged window sums and expires
// exactly as one that was given every Add.
TEST(SlidingWindow, MergeKeepsEachStepApart) {
  SlidingWindow a(absl::Minutes(60), 60), b(absl::Minutes(60), 60),
      all(absl::Minutes(60), 60);
  for (SlidingWindow* w : {&a, &all})
    w->Add(kNoon, kNoon - absl::Minutes(30), "p1", Likes(2));
  for (SlidingWindow* w : {&b, &all}) {
    w->Add(kNoon, kNoon - absl::Minutes(10), "p1", Likes(3));
    w->Add(kNoon, kNoon, "p2", Likes(1));
  }
  a.Merge(kNoon, b);
  EXPECT_EQ(a.sums(), all.sums());
  EXPECT_EQ(a.sums().at("p1")[storage::kLikes], 5);
  const absl::Time later = kNoon + absl::Minutes(31);  // p1's first step left
  EXPECT_EQ(a.Advance(later), all.Advance(later));
  EXPECT_EQ(a.sums(), all.sums());
  EXPECT_EQ(a.sums().at("p1")[storage::kLikes], 3);
}

}  // namespace
}  // namespace pulse::server
