#include "tools/soak/checks.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace pulse::soak {
namespace {

double Mib(int64_t kib) { return static_cast<double>(kib) / 1024; }

// RSS of one process from `first` to `last` (the samples after warm-up),
// less what `discount` says is bounded cache (when known in both).
void CheckRss(const char* name, int64_t Sample::*rss, int64_t Sample::*discount,
              const Sample& first, const Sample& last, const SoakLimits& limits,
              std::vector<std::string>& failures) {
  int64_t from = first.*rss;
  int64_t to = last.*rss;
  if (from < 0 || to < 0) return;  // unknown; an exited one is reported apart
  std::string less;
  if (discount != nullptr && first.*discount >= 0 && last.*discount >= 0) {
    from -= first.*discount;
    to -= last.*discount;
    less = " (less the growth of RocksDB's memtables and block cache)";
  }
  const int64_t allowed =
      std::max<int64_t>(static_cast<int64_t>(limits.max_rss_growth_fraction *
                                             static_cast<double>(from)),
                        limits.max_rss_growth_kib);
  if (to - from > allowed) {
    failures.push_back(absl::StrFormat(
        "%s RSS%s grew from %.1f MiB at %.0fs to %.1f MiB at %.0fs (+%.1f "
        "MiB, +%.1f%%); allowed +%.1f MiB",
        name, less, Mib(from), first.elapsed_s, Mib(to), last.elapsed_s,
        Mib(to - from),
        100.0 * static_cast<double>(to - from) / static_cast<double>(from),
        Mib(allowed)));
  }
}

void CheckFds(const char* name, int64_t Sample::*fds, const Sample& first,
              const Sample& last, const SoakLimits& limits,
              std::vector<std::string>& failures) {
  const int64_t from = first.*fds;
  const int64_t to = last.*fds;
  if (from < 0 || to < 0) return;
  if (to > from + limits.fd_slack) {
    failures.push_back(absl::StrFormat(
        "%s open files grew from %d at %.0fs to %d at %.0fs (+%d); allowed "
        "+%d",
        name, from, first.elapsed_s, to, last.elapsed_s, to - from,
        limits.fd_slack));
  }
}

}  // namespace

std::vector<std::string> CheckSoak(const SoakSummary& summary,
                                   const SoakLimits& limits) {
  std::vector<std::string> failures;
  const std::vector<Sample>& samples = summary.samples;
  const auto first = std::find_if(
      samples.begin(), samples.end(),
      [&](const Sample& s) { return s.elapsed_s >= limits.warmup_s; });
  if (first == samples.end() || first == samples.end() - 1) {
    failures.push_back(absl::StrFormat(
        "too short: fewer than two samples after the %.0fs warm-up (the run "
        "lasted %.0fs)",
        limits.warmup_s, samples.empty() ? 0.0 : samples.back().elapsed_s));
    return failures;
  }
  const Sample& last = samples.back();
  if (limits.own_processes) {
    for (const Sample& s : samples) {
      if (s.server_rss_kib < 0 || s.bridge_rss_kib < 0) {
        failures.push_back(absl::StrFormat(
            "%s not running at %.0fs",
            s.server_rss_kib < 0 ? "pulse-server" : "pulse-bridge",
            s.elapsed_s));
        break;
      }
    }
  }
  CheckRss("pulse-server", &Sample::server_rss_kib,
           &Sample::server_rocksdb_peak_kib, *first, last, limits, failures);
  CheckRss("pulse-bridge", &Sample::bridge_rss_kib, nullptr, *first, last,
           limits, failures);
  CheckFds("pulse-server", &Sample::server_fds, *first, last, limits, failures);
  CheckFds("pulse-bridge", &Sample::bridge_fds, *first, last, limits, failures);
  if (last.clients_dropped > 0 || last.clients_connected < limits.clients) {
    failures.push_back(absl::StrFormat(
        "websocket clients dropped: %d of %d connected at the end, %d failed "
        "or closed by the bridge",
        last.clients_connected, limits.clients, last.clients_dropped));
  }
  double acked = 0;
  for (auto s = first + 1; s != samples.end(); ++s)
    acked += s->acked_items_per_s;
  acked /= static_cast<double>(samples.end() - first - 1);
  if (acked < limits.min_acked_items_per_s) {
    failures.push_back(absl::StrFormat(
        "ingest fell behind: %.0f items/s acknowledged after warm-up; "
        "required %.0f",
        acked, limits.min_acked_items_per_s));
  }
  if (last.errors > 0) {
    failures.push_back(absl::StrFormat(
        "%d errors (error frames, failed or rejected ingest)", last.errors));
  }
  if (summary.visible_after_warmup == 0) {
    failures.push_back("no marker like became visible after warm-up");
  } else if (summary.visibility_p99_after_warmup_ms >
             limits.max_visibility_p99_ms) {
    failures.push_back(absl::StrFormat(
        "visibility p99 after warm-up %.0f ms over %d likes; allowed %.0f ms",
        summary.visibility_p99_after_warmup_ms, summary.visible_after_warmup,
        limits.max_visibility_p99_ms));
  }
  if (last.stalest_client_ms > limits.max_stalest_client_ms) {
    failures.push_back(absl::StrFormat(
        "a client was %.0f ms behind at the end; allowed %.0f ms",
        last.stalest_client_ms, limits.max_stalest_client_ms));
  }
  if (summary.server_exit != 0 || summary.bridge_exit != 0) {
    failures.push_back(absl::StrFormat(
        "unclean stop on SIGTERM: pulse-server exit %d, pulse-bridge exit %d",
        summary.server_exit, summary.bridge_exit));
  }
  return failures;
}

}  // namespace pulse::soak
