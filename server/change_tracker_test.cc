#include "server/change_tracker.h"

#include "gtest/gtest.h"

namespace pulse::server {
namespace {

void LikeOf(ChangeTracker& changes, const std::string& post_id) {
  storage::WriteResult result;
  storage::AppliedEngagement like;
  like.post_id = post_id;
  like.kind = storage::kLikes;
  like.count = 1;
  result.applied.push_back(like);
  changes.Publish(storage::WriteInput(), result);
}

TEST(ChangeTracker, ABumpMovesOnlyTheKeysThatChanged) {
  ChangeTracker changes;
  changes.Watch(WatchKind::kPost, "p");
  changes.Watch(WatchKind::kPost, "q");
  const uint64_t p = changes.Version(WatchKind::kPost, "p");
  const uint64_t q = changes.Version(WatchKind::kPost, "q");
  LikeOf(changes, "p");
  EXPECT_EQ(changes.Version(WatchKind::kPost, "p"), p + 1);
  EXPECT_EQ(changes.Version(WatchKind::kPost, "q"), q);
  EXPECT_EQ(changes.Version(WatchKind::kPost, "unwatched"), 0u);
}

// A post sent again with another account or hashtags changes the figures
// where it was counted as well as where it is now.
TEST(ChangeTracker, APostThatMovesBumpsWhereItWasAndWhereItIs) {
  ChangeTracker changes;
  for (const char* a : {"a1", "a2", "a3"})
    changes.Watch(WatchKind::kAccount, a);
  changes.Watch(WatchKind::kHashtag, "x");
  const uint64_t a3 = changes.Version(WatchKind::kAccount, "a3");
  const uint64_t a1 = changes.Version(WatchKind::kAccount, "a1");
  const uint64_t x = changes.Version(WatchKind::kHashtag, "x");
  storage::WriteInput input;
  input.posts.push_back(storage::PostMeta{"p", "a2", "web", {"y"}, {}});
  storage::WriteResult result;
  result.posts_written = 1;
  result.replaced_posts.push_back(
      storage::PostMeta{"p", "a1", "web", {"x"}, {}});
  const uint64_t global = changes.global_version();
  changes.Publish(input, result);
  EXPECT_EQ(changes.Version(WatchKind::kAccount, "a1"), a1 + 1);
  EXPECT_GT(changes.Version(WatchKind::kAccount, "a2"), 0u);
  EXPECT_EQ(changes.Version(WatchKind::kHashtag, "x"), x + 1);
  EXPECT_EQ(changes.Version(WatchKind::kAccount, "a3"), a3);
  EXPECT_GT(changes.global_version(), global);
}

// The subscriptions' shared reads are cached by version: a key watched
// again must not come back at a version a stale read was cached at.
TEST(ChangeTracker, AKeyWatchedAgainNeverGoesBackToAnOlderVersion) {
  ChangeTracker changes;
  changes.Watch(WatchKind::kPost, "p");
  for (int i = 0; i < 5; ++i) LikeOf(changes, "p");
  const uint64_t before = changes.Version(WatchKind::kPost, "p");
  changes.Unwatch(WatchKind::kPost, "p");
  EXPECT_EQ(changes.Version(WatchKind::kPost, "p"), 0u);
  changes.Watch(WatchKind::kPost, "p");
  EXPECT_GT(changes.Version(WatchKind::kPost, "p"), before);
}

// A second watcher gets a snapshot anyway; the first has nothing new.
TEST(ChangeTracker, ANewWatcherOfAWatchedKeyDoesNotBumpIt) {
  ChangeTracker changes;
  changes.Watch(WatchKind::kAccount, "a");
  const uint64_t version = changes.Version(WatchKind::kAccount, "a");
  changes.Watch(WatchKind::kAccount, "a");
  EXPECT_EQ(changes.Version(WatchKind::kAccount, "a"), version);
  changes.Unwatch(WatchKind::kAccount, "a");
  EXPECT_EQ(changes.Version(WatchKind::kAccount, "a"), version);
}

}  // namespace
}  // namespace pulse::server
