// The field lists `pulse post|account|hashtag|global` print, pinned line by
// line.
#include "clients/render.h"

#include "gtest/gtest.h"

namespace pulse {
namespace {

// Sets the per-kind totals every stats message carries, 1000 apart.
template <typename Stats>
void SetTotals(Stats* stats) {
  stats->set_impressions(100000);
  stats->set_likes(2000);
  stats->set_shares(300);
  stats->set_comments(40);
  stats->set_clicks(5);
  stats->set_engagements(2345);
}

TEST(Render, PostStats) {
  v1::PostStats stats;
  stats.set_post_id("p1");
  stats.set_known(true);
  stats.set_account_id("acct");
  stats.set_platform("x");
  stats.add_hashtags("a");
  stats.add_hashtags("b");
  stats.mutable_published_at()->set_seconds(1700000000);
  SetTotals(&stats);
  stats.set_engagement_rate(0.0234);
  stats.set_unique_users(1500);
  stats.set_velocity_per_minute(12.25);
  stats.mutable_updated_at()->set_seconds(1700000060);
  EXPECT_EQ(RenderPostStats(stats),
            "post             p1\n"
            "account          acct\n"
            "platform         x\n"
            "hashtags         #a #b\n"
            "published        2023-11-14T22:13:20Z\n"
            "impressions      100,000\n"
            "likes            2,000\n"
            "shares           300\n"
            "comments         40\n"
            "clicks           5\n"
            "engagements      2,345\n"
            "engagement rate  2.34%\n"
            "unique users     1,500\n"
            "velocity/min     12.2\n"
            "updated          2023-11-14T22:14:20Z\n");
  stats.set_known(false);
  EXPECT_NE(RenderPostStats(stats).find("account          (unknown post)\n"),
            std::string::npos);
}

TEST(Render, AccountStats) {
  v1::AccountStats stats;
  stats.set_account_id("acct");
  stats.set_posts(7);
  SetTotals(&stats);
  stats.set_engagement_rate(0.0234);
  stats.set_unique_users(1500);
  stats.set_followers(4200);
  stats.set_follower_growth(-12);
  stats.mutable_growth_window()->set_seconds(86400);
  stats.mutable_updated_at()->set_seconds(1700000060);
  EXPECT_EQ(RenderAccountStats(stats),
            "account                acct\n"
            "posts                  7\n"
            "impressions            100,000\n"
            "likes                  2,000\n"
            "shares                 300\n"
            "comments               40\n"
            "clicks                 5\n"
            "engagements            2,345\n"
            "engagement rate        2.34%\n"
            "unique users           1,500\n"
            "followers              4,200\n"
            "follower growth (24h)  -12\n"
            "updated                2023-11-14T22:14:20Z\n");
}

TEST(Render, HashtagStats) {
  v1::HashtagStats stats;
  stats.set_hashtag("tag");
  stats.set_posts(3);
  SetTotals(&stats);
  EXPECT_EQ(RenderHashtagStats(stats),
            "hashtag      #tag\n"
            "posts        3\n"
            "impressions  100,000\n"
            "likes        2,000\n"
            "shares       300\n"
            "comments     40\n"
            "clicks       5\n"
            "engagements  2,345\n");
}

TEST(Render, GlobalStats) {
  v1::GlobalStats stats;
  stats.set_posts(3);
  SetTotals(&stats);
  stats.set_engagement_rate(0.0234);
  stats.set_followers(9);
  stats.set_engagements_per_second(1234.5);
  stats.mutable_updated_at()->set_seconds(1700000060);
  EXPECT_EQ(RenderGlobalStats(stats),
            "posts            3\n"
            "impressions      100,000\n"
            "likes            2,000\n"
            "shares           300\n"
            "comments         40\n"
            "clicks           5\n"
            "engagements      2,345\n"
            "engagement rate  2.34%\n"
            "followers        9\n"
            "engagements/s    1,234.5\n"
            "updated          2023-11-14T22:14:20Z\n");
}

}  // namespace
}  // namespace pulse
