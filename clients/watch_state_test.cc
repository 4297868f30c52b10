#include "clients/watch_state.h"

#include <gtest/gtest.h>

#include <string>

namespace pulse {
namespace {

v1::PostStats Post(const std::string& id, int64_t likes) {
  v1::PostStats post;
  post.set_post_id(id);
  post.set_likes(likes);
  return post;
}

v1::Update Snapshot() {
  v1::Update update;
  update.set_seq(1);
  update.set_snapshot(true);
  update.mutable_time()->set_seconds(100);
  *update.add_posts() = Post("p1", 1);
  *update.add_posts() = Post("p2", 2);
  update.add_accounts()->set_account_id("a1");
  update.add_hashtags()->set_hashtag("cats");
  update.mutable_global()->set_likes(3);
  update.mutable_top_posts()->add_posts()->set_post_id("p1");
  update.mutable_top_posts()->add_posts()->set_post_id("p2");
  update.mutable_trending()->add_hashtags()->set_hashtag("cats");
  return update;
}

v1::Update Delta(uint64_t seq) {
  v1::Update update;
  update.set_seq(seq);
  update.mutable_time()->set_seconds(100 + static_cast<int64_t>(seq));
  return update;
}

TEST(WatchState, SnapshotIsTakenWhole) {
  WatchState state;
  state.Apply(Snapshot());
  EXPECT_EQ(state.merged().SerializeAsString(), Snapshot().SerializeAsString());
}

TEST(WatchState, UpdateReplacesAChangedPostAndKeepsTheOthers) {
  WatchState state;
  state.Apply(Snapshot());
  v1::Update update = Delta(2);
  *update.add_posts() = Post("p2", 20);
  state.Apply(update);
  ASSERT_EQ(state.merged().posts_size(), 2);
  EXPECT_EQ(state.merged().posts(0).likes(), 1);
  EXPECT_EQ(state.merged().posts(1).post_id(), "p2");
  EXPECT_EQ(state.merged().posts(1).likes(), 20);
}

TEST(WatchState, AnEntityNotSeenBeforeIsAppended) {
  WatchState state;
  state.Apply(Snapshot());
  v1::Update update = Delta(2);
  update.add_accounts()->set_account_id("a2");
  update.add_hashtags()->set_hashtag("dogs");
  state.Apply(update);
  ASSERT_EQ(state.merged().accounts_size(), 2);
  EXPECT_EQ(state.merged().accounts(1).account_id(), "a2");
  ASSERT_EQ(state.merged().hashtags_size(), 2);
  EXPECT_EQ(state.merged().hashtags(1).hashtag(), "dogs");
}

TEST(WatchState, GlobalAndBoardsAreKeptWhenAnUpdateLacksThem) {
  WatchState state;
  state.Apply(Snapshot());
  state.Apply(Delta(2));
  EXPECT_EQ(state.merged().global().likes(), 3);
  EXPECT_EQ(state.merged().top_posts().posts_size(), 2);
  EXPECT_EQ(state.merged().trending().hashtags_size(), 1);
}

TEST(WatchState, ABoardIsReplacedWhole) {
  WatchState state;
  state.Apply(Snapshot());
  v1::Update update = Delta(2);
  update.mutable_top_posts()->add_posts()->set_post_id("p9");
  state.Apply(update);
  ASSERT_EQ(state.merged().top_posts().posts_size(), 1);
  EXPECT_EQ(state.merged().top_posts().posts(0).post_id(), "p9");
}

TEST(WatchState, GlobalIsReplacedByTheLatest) {
  WatchState state;
  state.Apply(Snapshot());
  v1::Update update = Delta(2);
  update.mutable_global()->set_likes(8);
  state.Apply(update);
  EXPECT_EQ(state.merged().global().likes(), 8);
}

TEST(WatchState, SeqTimeAndMarkerFollowTheLatestUpdate) {
  WatchState state;
  state.Apply(Snapshot());
  state.Apply(Delta(5));
  EXPECT_EQ(state.merged().seq(), 5u);
  EXPECT_EQ(state.merged().time().seconds(), 105);
  EXPECT_FALSE(state.merged().snapshot());
}

TEST(WatchState, ANewSnapshotStartsAfresh) {
  WatchState state;
  state.Apply(Snapshot());
  v1::Update again;
  again.set_seq(1);
  again.set_snapshot(true);
  *again.add_posts() = Post("p3", 7);
  state.Apply(again);
  ASSERT_EQ(state.merged().posts_size(), 1);
  EXPECT_EQ(state.merged().posts(0).post_id(), "p3");
  EXPECT_FALSE(state.merged().has_global());
  EXPECT_FALSE(state.merged().has_top_posts());
  v1::Update update = Delta(2);
  *update.add_posts() = Post("p1", 9);
  state.Apply(update);
  EXPECT_EQ(state.merged().posts_size(), 2);
}

}  // namespace
}  // namespace pulse
