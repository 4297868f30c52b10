#include "tools/soak/checks.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pulse::soak {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kMib = 1024;

Sample At(double elapsed_s, int64_t server_mib, int64_t bridge_mib,
          int64_t server_fds = 40, int64_t bridge_fds = 1030) {
  Sample s;
  s.elapsed_s = elapsed_s;
  s.server_rss_kib = server_mib * kMib;
  s.bridge_rss_kib = bridge_mib * kMib;
  s.server_fds = server_fds;
  s.bridge_fds = bridge_fds;
  s.clients_connected = 1000;
  return s;
}

SoakLimits Limits() {
  SoakLimits limits;
  limits.warmup_s = 30;
  limits.max_rss_growth_kib = 16 * kMib;
  limits.clients = 1000;
  return limits;
}

// A passing run: flat after warm-up; start-up growth before it is ignored.
SoakSummary Flat() {
  SoakSummary summary;
  summary.samples = {At(0, 50, 20), At(10, 200, 90), At(30, 250, 100),
                     At(60, 255, 101), At(120, 258, 101)};
  summary.visible_after_warmup = 10'000;
  summary.visibility_p99_after_warmup_ms = 150;
  return summary;
}

TEST(CheckSoak, FlatRunPasses) {
  EXPECT_THAT(CheckSoak(Flat(), Limits()), IsEmpty());
}

TEST(CheckSoak, RssGrowthOverTenPercentNamesTheProcess) {
  SoakSummary summary = Flat();
  summary.samples.back().server_rss_kib = 300 * kMib;  // +50 MiB on 250
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("pulse-server RSS grew from 250.0 MiB")));
}

TEST(CheckSoak, ServerRssGrowthInRocksDbCachesIsDiscounted) {
  SoakSummary summary = Flat();
  for (Sample& s : summary.samples) s.server_rocksdb_peak_kib = 0;
  summary.samples.back().server_rss_kib = 300 * kMib;
  summary.samples.back().server_rocksdb_peak_kib = 45 * kMib;  // +5 MiB besides
  EXPECT_THAT(CheckSoak(summary, Limits()), IsEmpty());
  summary.samples.back().server_rocksdb_peak_kib =
      10 * kMib;  // +40 MiB besides
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("pulse-server RSS (less the growth of")));
}

TEST(CheckSoak, SmallProcessesMayGrowByTheFixedAllowance) {
  SoakSummary summary = Flat();
  summary.samples.back().bridge_rss_kib = 115 * kMib;  // +15 MiB on 100
  EXPECT_THAT(CheckSoak(summary, Limits()), IsEmpty());
  summary.samples.back().bridge_rss_kib = 117 * kMib;  // +17 MiB
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("pulse-bridge RSS grew")));
}

TEST(CheckSoak, OpenFilesBeyondTheSlackFail) {
  SoakSummary summary = Flat();
  summary.samples.back().bridge_fds = 1030 + 8;
  EXPECT_THAT(CheckSoak(summary, Limits()), IsEmpty());
  summary.samples.back().bridge_fds = 1030 + 9;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("pulse-bridge open files grew from 1030")));
}

TEST(CheckSoak, DroppedClientsFail) {
  SoakSummary summary = Flat();
  summary.samples.back().clients_connected = 999;
  summary.samples.back().clients_dropped = 1;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("websocket clients dropped: 999 of 1000")));
}

TEST(CheckSoak, IngestFallingBehindFails) {
  SoakSummary summary = Flat();
  for (Sample& s : summary.samples) s.acked_items_per_s = 2000;
  summary.samples[4].acked_items_per_s = 100;  // mean of 60 s and 120 s: 1050
  SoakLimits limits = Limits();
  limits.min_acked_items_per_s = 1000;
  EXPECT_THAT(CheckSoak(summary, limits), IsEmpty());
  limits.min_acked_items_per_s = 1100;
  EXPECT_THAT(CheckSoak(summary, limits),
              ElementsAre(HasSubstr("ingest fell behind: 1050 items/s")));
}

TEST(CheckSoak, ErrorsFail) {
  SoakSummary summary = Flat();
  summary.samples.back().errors = 2;
  EXPECT_THAT(CheckSoak(summary, Limits()), ElementsAre(HasSubstr("2 errors")));
}

TEST(CheckSoak, SlowVisibilityFails) {
  SoakSummary summary = Flat();
  summary.visibility_p99_after_warmup_ms = 1500;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("visibility p99 after warm-up 1500 ms")));
}

TEST(CheckSoak, NothingVisibleFails) {
  SoakSummary summary = Flat();
  summary.visible_after_warmup = 0;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("no marker like became visible")));
}

TEST(CheckSoak, AStaleClientAtTheEndFails) {
  SoakSummary summary = Flat();
  summary.samples.back().stalest_client_ms = 6000;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("a client was 6000 ms behind")));
}

TEST(CheckSoak, AnExitedProcessFails) {
  SoakSummary summary = Flat();
  summary.samples[3].bridge_rss_kib = -1;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("pulse-bridge not running at 60s")));
}

TEST(CheckSoak, UnknownProcessesAreNotJudged) {
  SoakSummary summary = Flat();
  for (Sample& s : summary.samples) s.server_rss_kib = s.server_fds = -1;
  SoakLimits limits = Limits();
  limits.own_processes = false;
  EXPECT_THAT(CheckSoak(summary, limits), IsEmpty());
}

TEST(CheckSoak, UncleanStopFails) {
  SoakSummary summary = Flat();
  summary.server_exit = -1;
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("unclean stop on SIGTERM")));
}

TEST(CheckSoak, ARunShorterThanTheWarmUpFails) {
  SoakSummary summary = Flat();
  summary.samples.resize(3);  // up to 30 s: one sample after warm-up
  EXPECT_THAT(CheckSoak(summary, Limits()),
              ElementsAre(HasSubstr("too short")));
}

}  // namespace
}  // namespace pulse::soak
