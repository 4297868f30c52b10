#include "tools/soak/latency_histogram.h"

#include "gtest/gtest.h"

namespace pulse::soak {
namespace {

TEST(LatencyHistogram, EmptyHasZeroQuantiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.QuantileMs(0.99), 0);
}

TEST(LatencyHistogram, QuantilesAreBucketUpperEdgesByNearestRank) {
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) h.Add(i + 0.5);  // 0.5, 1.5, ..., 99.5
  EXPECT_EQ(h.count(), 100);
  EXPECT_DOUBLE_EQ(h.QuantileMs(0.5), 51);     // rank 50: 50.5 in [50, 51)
  EXPECT_DOUBLE_EQ(h.QuantileMs(0.99), 99.5);  // capped at the maximum
  EXPECT_DOUBLE_EQ(h.max_ms(), 99.5);
}

TEST(LatencyHistogram, BeyondTheLastBucketReportsTheMaximum) {
  LatencyHistogram h;
  h.Add(5);
  h.Add(120'000);
  EXPECT_DOUBLE_EQ(h.QuantileMs(0.99), 120'000);
}

TEST(LatencyHistogram, NegativeLatenciesCountAsZero) {
  LatencyHistogram h;
  h.Add(-3);
  EXPECT_EQ(h.count(), 1);
  EXPECT_DOUBLE_EQ(h.QuantileMs(0.5), 0);
}

}  // namespace
}  // namespace pulse::soak
