#include "clients/list_flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pulse {
namespace {

using Args = std::vector<std::string>;

const std::vector<std::string> kLists = {"post", "hashtag"};

TEST(JoinRepeatedListFlags, JoinsRepeatsIntoOneCommaList) {
  EXPECT_EQ(
      JoinRepeatedListFlags(
          {"pulse", "watch", "--post=a", "--global", "--post=b,c"}, kLists),
      (Args{"pulse", "watch", "--post=a,b,c", "--global"}));
}

TEST(JoinRepeatedListFlags, AcceptsSingleDashAndSeparateValues) {
  EXPECT_EQ(JoinRepeatedListFlags(
                {"pulse", "-post", "a", "--hashtag", "x", "-post=b"}, kLists),
            (Args{"pulse", "--post=a,b", "--hashtag=x"}));
}

TEST(JoinRepeatedListFlags, LeavesOtherFlagsAndArgumentsAlone) {
  Args args = {"pulse", "--server=h:1", "--posts=x", "stats", "p1"};
  EXPECT_EQ(JoinRepeatedListFlags(args, kLists), args);
}

TEST(JoinRepeatedListFlags, DropsEmptyValues) {
  EXPECT_EQ(JoinRepeatedListFlags({"pulse", "--post=", "--post=b"}, kLists),
            (Args{"pulse", "--post=b"}));
}

TEST(JoinRepeatedListFlags, StopsAtADoubleDash) {
  EXPECT_EQ(JoinRepeatedListFlags(
                {"pulse", "--post=a", "--", "--post=b", "--post=c"}, kLists),
            (Args{"pulse", "--post=a", "--", "--post=b", "--post=c"}));
}

}  // namespace
}  // namespace pulse
