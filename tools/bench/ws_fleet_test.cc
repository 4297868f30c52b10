#include "tools/bench/ws_fleet.h"

#include "gtest/gtest.h"

namespace pulse::bench {
namespace {

// Frames as the bridge prints them: default values are left out, and the
// shared parts (global totals, boards) come after the update's posts.
TEST(MarkerLikes, ReadsTheMarkersOwnLikesOnly) {
  EXPECT_EQ(MarkerLikes(R"({"update":{"posts":[{"postId":"m1","likes":"7"}]}})",
                        "m1"),
            7);
  // m1's likes are 0, so left out: the global totals' likes that follow
  // are not m1's.
  EXPECT_EQ(MarkerLikes(R"({"update":{"posts":[{"postId":"m1","shares":"2"}],)"
                        R"("global":{"likes":"4321"}}})",
                        "m1"),
            0);
  EXPECT_EQ(MarkerLikes(R"({"update":{"posts":[{"postId":"m1"},)"
                        R"({"postId":"m2","likes":"5"}]}})",
                        "m1"),
            0);
  EXPECT_EQ(MarkerLikes(R"({"update":{"global":{"likes":"3"}}})", "m1"), -1);
}

}  // namespace
}  // namespace pulse::bench
