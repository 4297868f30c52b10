#include "tools/loadgen/progress.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace pulse::loadgen {
namespace {

// 1234 → "1.2k", 3456789 → "3.5M".
std::string Short(double value) {
  if (value >= 1e9) return absl::StrFormat("%.1fG", value / 1e9);
  if (value >= 1e6) return absl::StrFormat("%.1fM", value / 1e6);
  if (value >= 1e4) return absl::StrFormat("%.1fk", value / 1e3);
  return absl::StrFormat("%.0f", value);
}

double PerSecond(int64_t count, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

}  // namespace

std::string FormatProgress(const RunStats& s) {
  std::string line =
      absl::StrFormat("%6.1fs  %s eng/s", absl::ToDoubleSeconds(s.elapsed),
                      Short(PerSecond(s.engagements, s.elapsed)));
  if (s.target_rate > 0) {
    absl::StrAppendFormat(
        &line, " (target %s, sim %s ×%.2f)", Short(s.target_rate),
        absl::FormatTime("%H:%M", s.sim_time, absl::UTCTimeZone()), s.diurnal);
  }
  absl::StrAppend(&line, "  sent ", Short(static_cast<double>(s.engagements)),
                  " eng ", Short(static_cast<double>(s.posts)), " posts ",
                  Short(static_cast<double>(s.follows)), " follows  acked ",
                  Short(static_cast<double>(s.acked_items)));
  if (!s.viral_post.empty()) absl::StrAppend(&line, "  viral ", s.viral_post);
  if (!s.trending.empty()) absl::StrAppend(&line, "  #", s.trending.front());
  if (!s.last_error.empty()) {
    absl::StrAppend(&line, "  retrying: ", s.last_error.substr(0, 60));
  }
  return line;
}

std::string FormatSummary(const RunStats& s) {
  std::string out = absl::StrFormat(
      "pulse-loadgen: %.1fs, %d batches: %d engagements (%.0f/s), %d posts, "
      "%d follows\n",
      absl::ToDoubleSeconds(s.elapsed), s.batches, s.engagements,
      PerSecond(s.engagements, s.elapsed), s.posts, s.follows);
  absl::StrAppendFormat(
      &out,
      "  acknowledged: %d batches, %d items; accepted %d, duplicate batches "
      "%d, duplicates %d, rejected %d, unknown-post engagements %d\n",
      s.acked_batches, s.acked_items, s.accepted, s.duplicate_batches,
      s.duplicates, s.rejected, s.unknown_post_engagements);
  if (s.reconnects > 0) {
    absl::StrAppendFormat(&out, "  reconnects: %d, batches re-sent: %d\n",
                          s.reconnects, s.resent_batches);
  }
  if (!s.first_rejection.empty()) {
    absl::StrAppend(&out, "  first rejection: ", s.first_rejection, "\n");
  }
  if (!s.trending.empty()) {
    absl::StrAppend(&out, "  trending now: #", absl::StrJoin(s.trending, " #"),
                    "\n");
  }
  return out;
}

std::string FormatRetryEpisode(const RetryEpisode& episode) {
  if (!episode.recovered) {
    return absl::StrCat("pulse-loadgen: sending interrupted, retrying: ",
                        episode.why.ToString(), "\n");
  }
  return absl::StrFormat("pulse-loadgen: recovered after %.1fs and %d %s\n",
                         absl::ToDoubleSeconds(episode.lasted), episode.retries,
                         episode.retries == 1 ? "retry" : "retries");
}

}  // namespace pulse::loadgen
