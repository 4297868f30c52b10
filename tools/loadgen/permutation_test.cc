#include "tools/loadgen/permutation.h"

#include <vector>

#include "gtest/gtest.h"

namespace pulse::loadgen {
namespace {

TEST(Permutation, IsABijectionForAwkwardSizes) {
  for (uint64_t n : {1u, 2u, 3u, 17u, 1000u, 4097u}) {
    Permutation p(n, 42);
    std::vector<bool> seen(n, false);
    for (uint64_t x = 0; x < n; ++x) {
      const uint64_t y = p.Map(x);
      ASSERT_LT(y, n);
      ASSERT_FALSE(seen[y]) << "n=" << n << " x=" << x;
      seen[y] = true;
    }
  }
}

TEST(Permutation, DependsOnTheKey) {
  Permutation a(1000, 1), b(1000, 2);
  int same = 0;
  for (uint64_t x = 0; x < 1000; ++x) same += a.Map(x) == b.Map(x) ? 1 : 0;
  EXPECT_LT(same, 20);
}

}  // namespace
}  // namespace pulse::loadgen
