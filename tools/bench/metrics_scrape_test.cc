#include "tools/bench/metrics_scrape.h"

#include "gtest/gtest.h"

namespace pulse::bench {
namespace {

constexpr absl::string_view kPage =
    "# HELP pulse_bridge_upstream_streams Live Subscribe streams.\n"
    "# TYPE pulse_bridge_upstream_streams gauge\n"
    "pulse_bridge_upstream_streams 937\n"
    "pulse_bridge_upstream_streams_opened_total 1204\n"
    "pulse_bridge_frames_sent_total{kind=\"update\"} 5\n"
    "pulse_bridge_rss_bytes 1.5e+07 1700000000000\n";

TEST(MetricValue, ReadsTheSampleOfExactlyThatName) {
  EXPECT_EQ(MetricValue(kPage, "pulse_bridge_upstream_streams").value(), 937);
  EXPECT_EQ(
      MetricValue(kPage, "pulse_bridge_upstream_streams_opened_total").value(),
      1204);
  // A timestamp after the value is not part of it.
  EXPECT_EQ(MetricValue(kPage, "pulse_bridge_rss_bytes").value(), 1.5e7);
}

TEST(MetricValue, SaysWhatIsMissingOrMalformed) {
  // Comments and labelled samples are not the unlabelled sample.
  EXPECT_EQ(
      MetricValue(kPage, "pulse_bridge_frames_sent_total").status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(MetricValue(kPage, "pulse_bridge_upstream").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(MetricValue("x one\n", "x").status().code(),
            absl::StatusCode::kInternal);
}

TEST(HttpGetBody, FailsPlainlyWhenNothingListens) {
  // Port 1 on loopback: nothing listens there in a test environment.
  absl::StatusOr<std::string> body =
      HttpGetBody(1, "/metrics", absl::Seconds(5));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(body.status().message().find("127.0.0.1:1/metrics"),
            std::string::npos);
}

TEST(ReadMetrics, PassesOnTheFetchError) {
  absl::StatusOr<std::vector<double>> values =
      ReadMetrics(1, {"pulse_subscriptions"}, absl::Seconds(5));
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pulse::bench
