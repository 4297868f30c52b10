#include "tools/loadgen/pacer.h"

#include "gtest/gtest.h"
#include "tools/loadgen/rng.h"

namespace pulse::loadgen {
namespace {

TEST(Pacer, LateSendsWithinTheLagDoNotDrift) {
  const absl::Time start = absl::FromUnixSeconds(1'000'000);
  Pacer pacer(start, absl::Seconds(1));
  Rng rng(5);
  int64_t sent = 0;
  absl::Time now = start;
  // Each send happens up to 30 ms after it is due, as a busy sender would.
  while (pacer.due() < start + absl::Seconds(100)) {
    now = pacer.due() + absl::Milliseconds(rng.Uniform(0, 30));
    pacer.Sent(200, 2000, now);
    sent += 200;
  }
  EXPECT_NEAR(static_cast<double>(sent), 200'000, 400);
}

TEST(Pacer, ForgivesAnOutageInsteadOfBursting) {
  const absl::Time start = absl::FromUnixSeconds(1'000'000);
  Pacer pacer(start, absl::Seconds(1));
  pacer.Sent(100, 100, start + absl::Seconds(60));
  // Due at most 1 s (the lag) of backlog before now, plus this send's time.
  EXPECT_EQ(pacer.due(), start + absl::Seconds(60));
}

TEST(DiurnalFactor, PeaksInTheEveningAndAveragesOne) {
  const absl::Time midnight = absl::FromUnixSeconds(86'400 * 20'000);
  EXPECT_NEAR(DiurnalFactor(midnight + absl::Hours(20), 0.5), 1.5, 1e-9);
  EXPECT_NEAR(DiurnalFactor(midnight + absl::Hours(8), 0.5), 0.5, 1e-9);
  double sum = 0;
  for (int minute = 0; minute < 1440; ++minute) {
    sum += DiurnalFactor(midnight + absl::Minutes(minute), 0.5);
  }
  EXPECT_NEAR(sum / 1440, 1.0, 1e-9);
  EXPECT_EQ(DiurnalFactor(midnight, 0), 1.0);
}

TEST(SimClock, RunsTimeScaleTimesFaster) {
  const absl::Time start = absl::FromUnixSeconds(1'000'000);
  SimClock clock(start, 96);
  EXPECT_EQ(clock.At(start + absl::Minutes(15)), start + absl::Hours(24));
}

}  // namespace
}  // namespace pulse::loadgen
