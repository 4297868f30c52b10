#include "storage/post_cache.h"

#include <memory>

#include "gtest/gtest.h"

namespace pulse::storage {
namespace {

std::shared_ptr<const PostMeta> Meta(const std::string& post,
                                     const std::string& account) {
  auto meta = std::make_shared<PostMeta>();
  meta->post_id = post;
  meta->account_id = account;
  return meta;
}

TEST(PostCache, KeepsTheLatestAndTheMostRecentlyUsed) {
  PostCache cache(2);
  cache.Insert(Meta("p1", "a"));
  cache.Insert(Meta("p1", "b"));
  ASSERT_NE(cache.Lookup("p1"), nullptr);
  EXPECT_EQ(cache.Lookup("p1")->account_id, "b");
  cache.Insert(Meta("p2", "a"));
  ASSERT_NE(cache.Lookup("p1"), nullptr);  // now more recent than p2
  cache.Insert(Meta("p3", "a"));
  EXPECT_EQ(cache.Lookup("p2"), nullptr);
  EXPECT_NE(cache.Lookup("p1"), nullptr);
  EXPECT_NE(cache.Lookup("p3"), nullptr);
}

// What a store's reopen does: nothing cached survives it.
TEST(PostCache, ClearForgetsEverything) {
  PostCache cache(10);
  cache.Insert(Meta("p1", "a"));
  cache.Insert(Meta("p2", "a"));
  cache.Clear();
  EXPECT_EQ(cache.Lookup("p1"), nullptr);
  EXPECT_EQ(cache.Lookup("p2"), nullptr);
  cache.Insert(Meta("p1", "b"));
  ASSERT_NE(cache.Lookup("p1"), nullptr);
  EXPECT_EQ(cache.Lookup("p1")->account_id, "b");
}

}  // namespace
}  // namespace pulse::storage
