#include "tools/loadgen/zipf.h"

#include <vector>

#include "gtest/gtest.h"

namespace pulse::loadgen {
namespace {

TEST(ZipfSampler, StaysWithinRange) {
  ZipfSampler zipf(100, 1.0);
  Rng rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t k = zipf.Sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 100u);
  }
}

TEST(ZipfSampler, FrequenciesFollowOneOverRank) {
  ZipfSampler zipf(1000, 1.0);
  Rng rng(11);
  std::vector<int> counts(1001, 0);
  constexpr int kDraws = 1'000'000;
  for (int i = 0; i < kDraws; ++i) ++counts[zipf.Sample(rng)];
  // P(1) = 1 / H(1000) ≈ 0.1336; P(k) ≈ P(1) / k.
  EXPECT_NEAR(counts[1] / static_cast<double>(kDraws), 0.1336, 0.003);
  EXPECT_NEAR(counts[1] / static_cast<double>(counts[2]), 2.0, 0.1);
  EXPECT_NEAR(counts[1] / static_cast<double>(counts[10]), 10.0, 0.8);
}

TEST(ZipfSampler, WorksForOneElementAndForSmallExponents) {
  Rng rng(3);
  ZipfSampler one(1, 1.2);
  EXPECT_EQ(one.Sample(rng), 1u);
  ZipfSampler flat(1'000'000, 0.3);
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t k = flat.Sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 1'000'000u);
  }
}

}  // namespace
}  // namespace pulse::loadgen
