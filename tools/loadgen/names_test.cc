#include "tools/loadgen/names.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace pulse::loadgen {
namespace {

TEST(Names, AccountsAndHashtagsAreDistinct) {
  absl::flat_hash_set<std::string> accounts, hashtags;
  for (uint64_t i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(accounts.insert(AccountName(i)).second) << AccountName(i);
    ASSERT_TRUE(hashtags.insert(HashtagName(i)).second) << HashtagName(i);
  }
}

TEST(Names, HashtagsHaveNoHashSign) {
  EXPECT_EQ(HashtagName(0), "sunset");
  EXPECT_EQ(HashtagName(0).find('#'), std::string::npos);
}

TEST(Names, PostIdsCarryTheSeed) {
  EXPECT_EQ(PostId(7, 42), "s7-p42");
  EXPECT_NE(PostId(1, 11), PostId(11, 1));
}

}  // namespace
}  // namespace pulse::loadgen
