#include "server/boards.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/proto_time.h"

namespace pulse::server {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

storage::AppliedEngagement Like(const std::string& post, int64_t n,
                                absl::Time t,
                                std::vector<std::string> tags = {}) {
  storage::AppliedEngagement e;
  e.post_id = post;
  e.account_id = "acct";
  e.hashtags = std::move(tags);
  e.kind = storage::kLikes;
  e.count = n;
  e.time = t;
  return e;
}

v1::TopPostsRequest TopRequest(int limit) {
  v1::TopPostsRequest r;
  *r.mutable_window() = ToProto(absl::Hours(1));
  r.set_limit(limit);
  return r;
}

v1::TrendingHashtagsRequest TrendingRequest() {
  v1::TrendingHashtagsRequest r;
  *r.mutable_window() = ToProto(absl::Hours(1));
  r.set_limit(5);
  return r;
}

std::vector<std::string> Ids(const v1::TopPostsResponse& r) {
  std::vector<std::string> out;
  for (const v1::TopPost& p : r.posts()) out.push_back(p.post_id());
  return out;
}

std::vector<std::string> Tags(const v1::TrendingHashtagsResponse& r) {
  std::vector<std::string> out;
  for (const v1::TrendingHashtag& t : r.hashtags())
    out.push_back(absl::StrCat(t.hashtag(), "=", t.current()));
  return out;
}

TEST(Boards, TopPostsFollowsAPostThatClimbsAfterARead) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  std::vector<storage::AppliedEngagement> batch;
  for (int i = 0; i < 2000; ++i)
    batch.push_back(Like(absl::StrCat("p", i), 1 + i % 100, kNoon));
  boards.Record(batch);
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(2))),
            (std::vector<std::string>{"p1099", "p1199"}));
  boards.Record({Like("p5", 1000, kNoon)});
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(2))),
            (std::vector<std::string>{"p5", "p1099"}));
}

TEST(Boards, TopPostsDropsWhatExpired) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  boards.Record({Like("old", 50, kNoon)});
  clock.Advance(absl::Minutes(30));
  boards.Record({Like("new", 5, clock.Now())});
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(1))),
            std::vector<std::string>{"old"});
  clock.Advance(absl::Minutes(31));
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(1))),
            std::vector<std::string>{"new"});
}

TEST(Boards, TrendingAnswersAgainWhenTheWindowChanges) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  boards.Record({Like("p1", 3, kNoon, {"cats"})});
  EXPECT_EQ(Tags(boards.Trending(TrendingRequest())),
            std::vector<std::string>{"cats=3"});
  // Asked again unchanged: the same answer, stamped now.
  clock.Advance(absl::Seconds(1));
  const v1::TrendingHashtagsResponse again = boards.Trending(TrendingRequest());
  EXPECT_EQ(Tags(again), std::vector<std::string>{"cats=3"});
  EXPECT_EQ(FromProto(again.as_of()), clock.Now());
  // A new engagement, then expiry, each change the answer.
  clock.Advance(absl::Minutes(2));
  boards.Record({Like("p2", 1, clock.Now(), {"dogs"})});
  EXPECT_EQ(Tags(boards.Trending(TrendingRequest())),
            (std::vector<std::string>{"cats=3", "dogs=1"}));
  clock.Set(kNoon + absl::Minutes(60));
  EXPECT_EQ(Tags(boards.Trending(TrendingRequest())),
            std::vector<std::string>{"dogs=1"});
}

}  // namespace
}  // namespace pulse::server
