#include "tools/loadgen/progress.h"

#include "gtest/gtest.h"

namespace pulse::loadgen {
namespace {

TEST(FormatRetryEpisode, ABeginningSaysWhy) {
  RetryEpisode episode;
  episode.why = absl::UnavailableError("failed to connect to all addresses");
  EXPECT_EQ(FormatRetryEpisode(episode),
            "pulse-loadgen: sending interrupted, retrying: UNAVAILABLE: "
            "failed to connect to all addresses\n");
}

TEST(FormatRetryEpisode, ARecoverySaysHowLongAndHowManyRetries) {
  RetryEpisode episode;
  episode.why = absl::UnavailableError("down");
  episode.recovered = true;
  episode.lasted = absl::Milliseconds(12'345);
  episode.retries = 7;
  EXPECT_EQ(FormatRetryEpisode(episode),
            "pulse-loadgen: recovered after 12.3s and 7 retries\n");
  episode.retries = 1;
  EXPECT_EQ(FormatRetryEpisode(episode),
            "pulse-loadgen: recovered after 12.3s and 1 retry\n");
}

}  // namespace
}  // namespace pulse::loadgen
