#include "bridge/update_merge.h"

#include "gtest/gtest.h"

namespace pulse::bridge {
namespace {

v1::PostStats Post(const std::string& id, int64_t likes) {
  v1::PostStats p;
  p.set_post_id(id);
  p.set_likes(likes);
  return p;
}

TEST(UpdateMerge, ASnapshotReplacesTheState) {
  v1::Update state;
  *state.add_posts() = Post("old", 1);
  v1::Update snapshot;
  snapshot.set_snapshot(true);
  snapshot.set_seq(1);
  *snapshot.add_posts() = Post("p1", 2);
  MergeUpdate(snapshot, &state);
  ASSERT_EQ(state.posts_size(), 1);
  EXPECT_EQ(state.posts(0).post_id(), "p1");
}

TEST(UpdateMerge, ChangesReplaceByKeyAndAppendNewKeys) {
  v1::Update state;
  state.set_snapshot(true);
  *state.add_posts() = Post("p1", 1);
  *state.add_posts() = Post("p2", 1);
  state.mutable_global()->set_likes(2);
  v1::Update delta;
  delta.set_seq(5);
  *delta.add_posts() = Post("p2", 9);
  *delta.add_posts() = Post("p3", 1);
  MergeUpdate(delta, &state);
  ASSERT_EQ(state.posts_size(), 3);
  EXPECT_EQ(state.posts(0).likes(), 1);
  EXPECT_EQ(state.posts(1).likes(), 9);
  EXPECT_EQ(state.posts(2).post_id(), "p3");
  EXPECT_EQ(state.global().likes(), 2);  // absent in the delta: kept
  EXPECT_EQ(state.seq(), 5u);
  EXPECT_TRUE(state.snapshot());
}

TEST(UpdateMerge, BoardsAndGlobalAreReplacedWhenPresent) {
  v1::Update state;
  state.mutable_top_posts()->add_posts()->set_post_id("a");
  v1::Update delta;
  delta.mutable_top_posts()->add_posts()->set_post_id("b");
  delta.mutable_global()->set_likes(3);
  MergeUpdate(delta, &state);
  ASSERT_EQ(state.top_posts().posts_size(), 1);
  EXPECT_EQ(state.top_posts().posts(0).post_id(), "b");
  EXPECT_EQ(state.global().likes(), 3);
}

}  // namespace
}  // namespace pulse::bridge
