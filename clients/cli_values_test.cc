#include "clients/cli_values.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace pulse {
namespace {

TEST(CliValues, MetricParsesFromALowerCaseName) {
  absl::StatusOr<v1::Metric> metric = ParseMetric("likes");
  ASSERT_TRUE(metric.ok()) << metric.status();
  EXPECT_EQ(*metric, v1::LIKES);
}

TEST(CliValues, UnknownMetricListsTheAcceptedNames) {
  absl::StatusOr<v1::Metric> metric = ParseMetric("hearts");
  ASSERT_EQ(metric.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(metric.status().message(), "impressions, "))
      << metric.status();
}

TEST(CliValues, UnspecifiedIsNotAnAcceptedMetricName) {
  EXPECT_FALSE(ParseMetric("metric_unspecified").ok());
}

TEST(CliValues, ResolutionParsesFromALowerCaseName) {
  absl::StatusOr<v1::Resolution> resolution = ParseResolution("hour");
  ASSERT_TRUE(resolution.ok()) << resolution.status();
  EXPECT_EQ(*resolution, v1::HOUR);
}

TEST(CliValues, UnspecifiedEnumsAreNamedByTheirMeaning) {
  EXPECT_EQ(MetricName(v1::METRIC_UNSPECIFIED), "engagements");
  EXPECT_EQ(ResolutionName(v1::RESOLUTION_UNSPECIFIED), "minute");
}

TEST(CliValues, Rfc3339WithFractionParsesToAnExactTimestamp) {
  absl::StatusOr<absl::Time> time =
      ParseRfc3339("start", "2024-05-01T12:00:00.25Z");
  ASSERT_TRUE(time.ok()) << time.status();
  google::protobuf::Timestamp proto = ToProtoTimestamp(*time);
  EXPECT_EQ(proto.seconds(), 1714564800);
  EXPECT_EQ(proto.nanos(), 250000000);
}

TEST(CliValues, BadRfc3339NamesTheFlag) {
  absl::StatusOr<absl::Time> time = ParseRfc3339("end", "yesterday");
  ASSERT_FALSE(time.ok());
  EXPECT_TRUE(absl::StrContains(time.status().message(), "--end=yesterday"));
}

TEST(CliValues, DurationSplitsIntoSecondsAndNanos) {
  google::protobuf::Duration proto =
      ToProtoDuration(absl::Seconds(90) + absl::Milliseconds(5));
  EXPECT_EQ(proto.seconds(), 90);
  EXPECT_EQ(proto.nanos(), 5000000);
}

}  // namespace
}  // namespace pulse
