#include "tools/loadgen/firehose.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace pulse::loadgen {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

FirehoseOptions SmallWorld(uint64_t seed) {
  FirehoseOptions options;
  options.seed = seed;
  options.accounts = 200;
  options.posts = 2'000;
  options.hashtags = 100;
  return options;
}

// The batch without its times, which are the only part that depends on now.
std::string Content(pulse::v1::IngestRequest batch) {
  for (auto& p : *batch.mutable_posts()) p.clear_published_at();
  for (auto& e : *batch.mutable_engagements()) e.clear_time();
  for (auto& f : *batch.mutable_follows()) f.clear_time();
  return batch.SerializeAsString();
}

// Engagement counts per post id over `engagements` engagements.
absl::flat_hash_map<std::string, int64_t> CountPerPost(Firehose& firehose,
                                                       int64_t engagements) {
  absl::flat_hash_map<std::string, int64_t> counts;
  int64_t seen = 0;
  while (seen < engagements) {
    const pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 1000);
    for (const auto& e : batch.engagements()) {
      ++counts[e.post_id()];
      ++seen;
    }
  }
  return counts;
}

TEST(Firehose, SameSeedGivesTheSameBatchesWhateverTheClock) {
  Firehose a(SmallWorld(9)), b(SmallWorld(9));
  for (int i = 0; i < 60; ++i) {
    const int max_items = 1 + (i * 37) % 500;
    ASSERT_EQ(Content(a.NextBatch(kNow, max_items)),
              Content(b.NextBatch(kNow + absl::Seconds(i * 3), max_items)))
        << "batch " << i;
  }
}

TEST(Firehose, DifferentSeedsGiveDifferentBatches) {
  Firehose a(SmallWorld(1)), b(SmallWorld(2));
  int differing = 0;
  for (int i = 0; i < 10; ++i) {
    differing +=
        Content(a.NextBatch(kNow, 500)) != Content(b.NextBatch(kNow, 500)) ? 1
                                                                           : 0;
  }
  EXPECT_EQ(differing, 10);
}

TEST(Firehose, BatchesRespectMaxItemsAndSequencesIncrease) {
  FirehoseOptions options = SmallWorld(3);
  options.sequence_start = 100;
  Firehose firehose(options);
  uint64_t expected_sequence = 100;
  for (int i = 0; i < 200; ++i) {
    const int max_items = 1 + (i * 13) % 64;
    pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, max_items);
    const int items =
        batch.posts_size() + batch.engagements_size() + batch.follows_size();
    ASSERT_GE(items, 1);
    ASSERT_LE(items, max_items);
    EXPECT_EQ(batch.sequence(), expected_sequence++);
    EXPECT_EQ(batch.producer_id(), "loadgen-3");
  }
}

TEST(Firehose, PostsAreAnnouncedInAnEarlierBatchThanTheirEngagements) {
  Firehose firehose(SmallWorld(4));
  absl::flat_hash_set<std::string> announced;
  int64_t engagements = 0;
  for (int i = 0; i < 300; ++i) {
    pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 997);
    for (const auto& e : batch.engagements()) {
      ASSERT_TRUE(announced.contains(e.post_id())) << e.post_id();
      ++engagements;
    }
    for (const auto& p : batch.posts()) {
      EXPECT_FALSE(p.account_id().empty());
      announced.insert(p.post_id());
    }
  }
  EXPECT_GT(engagements, 250'000);
  // New posts keep appearing after the initial ones.
  EXPECT_GT(firehose.counts().posts, 2'000 + 1'000);
}

TEST(Firehose, ImpressionsFarOutnumberLikesAndLikesComments) {
  Firehose firehose(SmallWorld(5));
  absl::flat_hash_map<int, int64_t> by_kind;
  int64_t seen = 0;
  while (seen < 100'000) {
    const pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 1000);
    for (const auto& e : batch.engagements()) {
      ++by_kind[e.kind()];
      ++seen;
    }
  }
  EXPECT_GT(by_kind[pulse::v1::IMPRESSION], 5 * by_kind[pulse::v1::LIKE]);
  EXPECT_GT(by_kind[pulse::v1::LIKE], 3 * by_kind[pulse::v1::COMMENT]);
  EXPECT_GT(by_kind[pulse::v1::COMMENT], 0);
  EXPECT_GT(by_kind[pulse::v1::SHARE], 0);
  EXPECT_GT(by_kind[pulse::v1::CLICK], 0);
}

TEST(Firehose, PopularityHeadIsHeavierThanTheTail) {
  FirehoseOptions options = SmallWorld(6);
  options.posts = 10'000;
  options.viral_mean_interval_s = 0;
  options.trend_mean_interval_s = 0;
  Firehose firehose(options);
  absl::flat_hash_map<std::string, int64_t> counts =
      CountPerPost(firehose, 200'000);
  std::vector<int64_t> sorted;
  for (const auto& [post, count] : counts) sorted.push_back(count);
  sorted.resize(std::max<size_t>(sorted.size(), 10'000), 0);  // unengaged
  std::sort(sorted.rbegin(), sorted.rend());
  int64_t head = 0, tail = 0;
  for (size_t i = 0; i < sorted.size() / 100; ++i) head += sorted[i];
  for (size_t i = sorted.size() / 2; i < sorted.size(); ++i) tail += sorted[i];
  EXPECT_GT(head, 2 * tail) << "top 1%: " << head << ", bottom half: " << tail;
}

TEST(Firehose, ViralBurstPutsOnePostFarAboveTheMedian) {
  FirehoseOptions options = SmallWorld(7);
  options.posts = 10'000;
  options.viral_mean_interval_s = 30;
  Firehose firehose(options);
  // Run until a burst starts, then count engagements while it lasts.
  std::string viral;
  for (int i = 0; i < 2'000 && viral.empty(); ++i) {
    firehose.NextBatch(kNow, 1000);
    viral = firehose.viral_post_id();
  }
  ASSERT_FALSE(viral.empty());
  absl::flat_hash_map<std::string, int64_t> counts;
  while (firehose.viral_post_id() == viral) {
    const pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 1000);
    for (const auto& e : batch.engagements()) {
      ++counts[e.post_id()];
    }
  }
  std::vector<int64_t> sorted;
  for (const auto& [post, count] : counts) sorted.push_back(count);
  std::sort(sorted.begin(), sorted.end());
  const int64_t median = sorted[sorted.size() / 2];
  const int64_t max = sorted.back();
  EXPECT_EQ(counts[viral], max);
  EXPECT_GT(counts[viral], 100 * median)
      << "viral " << counts[viral] << ", median " << median;
  // Well ahead of the runner-up, so it tops the board.
  EXPECT_GT(counts[viral], 2 * sorted[sorted.size() - 2]);
  EXPECT_EQ(firehose.counts().viral_bursts, 1);
}

TEST(Firehose, TrendingHashtagRisesThenFades) {
  FirehoseOptions options = SmallWorld(8);
  options.nominal_rate = 200;  // keeps the trend's life short in engagements
  options.viral_mean_interval_s = 0;
  options.trend_mean_interval_s = 100'000;  // just the first trend
  Firehose firehose(options);
  std::string tag;
  for (int i = 0; i < 1'000 && tag.empty(); ++i) {
    firehose.NextBatch(kNow, 100);
    if (!firehose.trending_hashtags().empty()) {
      tag = firehose.trending_hashtags().front();
    }
  }
  ASSERT_FALSE(tag.empty());
  // Engagements of posts carrying the tag, per 30 simulated seconds.
  absl::flat_hash_set<std::string> tagged;
  std::vector<int64_t> windows;
  while (firehose.sim_seconds() < 900) {
    const size_t window = static_cast<size_t>(firehose.sim_seconds() / 30);
    if (windows.size() <= window) windows.resize(window + 1, 0);
    pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 100);
    for (const auto& p : batch.posts()) {
      for (const auto& h : p.hashtags()) {
        if (h == tag) tagged.insert(p.post_id());
      }
    }
    for (const auto& e : batch.engagements()) {
      windows[window] += tagged.contains(e.post_id()) ? 1 : 0;
    }
  }
  const int64_t peak = *std::max_element(windows.begin(), windows.end());
  EXPECT_GT(peak, 3 * std::max<int64_t>(windows.front(), 1));
  EXPECT_LT(windows.back(), peak / 2);
  EXPECT_TRUE(firehose.trending_hashtags().empty());
}

TEST(Firehose, FollowersAreZipfByAccountRank) {
  Firehose firehose(SmallWorld(10));
  absl::flat_hash_map<std::string, int64_t> base;  // first delta per account
  for (int i = 0; i < 200; ++i) {
    const pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 1000);
    for (const auto& f : batch.follows()) {
      base.try_emplace(f.account_id(), f.delta());
    }
  }
  ASSERT_TRUE(base.contains("calm_otter"));  // account 0, the most followed
  std::vector<int64_t> sorted;
  for (const auto& [account, delta] : base) sorted.push_back(delta);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(base["calm_otter"], sorted.back());
  EXPECT_GT(base["calm_otter"], 50 * sorted[sorted.size() / 2]);
}

TEST(Firehose, AnnouncesAMillionPostsBeforeAnyEngagement) {
  FirehoseOptions options;
  options.posts = 1'000'000;
  options.accounts = 100'000;
  Firehose firehose(options);
  int64_t posts = 0;
  while (firehose.warming_up()) {
    const pulse::v1::IngestRequest batch = firehose.NextBatch(kNow, 1000);
    ASSERT_EQ(batch.engagements_size(), 0);
    // Each new account's base followers ride along with its first post.
    ASSERT_LE(batch.posts_size() + batch.follows_size(), 1000);
    posts += batch.posts_size();
  }
  EXPECT_EQ(posts, 1'000'000);
  EXPECT_GT(firehose.NextBatch(kNow, 1000).engagements_size(), 900);
}

TEST(Firehose, RejectsBadOptions) {
  FirehoseOptions options;
  options.posts = 0;
  EXPECT_EQ(ValidateOptions(options).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateOptions(FirehoseOptions()).ok());
}

}  // namespace
}  // namespace pulse::loadgen
