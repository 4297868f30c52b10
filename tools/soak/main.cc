// pulse-soak: loadgen plus many websocket clients through pulse-bridge for
// a long time, sampling RSS, open files and visibility latency; exits
// non-zero when, after warm-up, something grew or failed. Flags, signals and
// printing only; the work is in soak.h and checks.h.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/command_line.h"
#include "tools/bench/child_process.h"
#include "tools/soak/checks.h"
#include "tools/soak/soak.h"

ABSL_FLAG(std::string, server_bin, "",
          "pulse-server binary; default ../../server/pulse-server next to "
          "this executable.");
ABSL_FLAG(std::string, bridge_bin, "",
          "pulse-bridge binary; default ../../bridge/pulse-bridge next to "
          "this executable.");
ABSL_FLAG(std::string, server, "",
          "Use the pulse-server at this address instead of starting one "
          "(needs --bridge too).");
ABSL_FLAG(std::string, bridge, "",
          "Use the pulse-bridge at this host:port instead of starting one "
          "(needs --server too).");
ABSL_FLAG(int, server_pid, 0,
          "With --server: its pid, to sample its RSS and open files.");
ABSL_FLAG(int, bridge_pid, 0,
          "With --bridge: its pid, to sample its RSS and open files.");
ABSL_FLAG(double, rate, 2000,
          "Firehose engagements/s (pulse-loadgen's distribution, flat).");
ABSL_FLAG(int64_t, posts, 10'000, "Live posts in the firehose.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the firehose and the clients' posts.");
ABSL_FLAG(int, clients, 1000,
          "Websocket clients, each subscribed to the global totals, the 1 h "
          "top-posts board, one marker post and one random post.");
ABSL_FLAG(std::optional<int>, markers, std::nullopt,
          "Marker posts (client i watches marker i % markers), 1 to "
          "--clients; each gets one like per --tick, whose visibility is "
          "timed. Default 100, or --clients when fewer.");
ABSL_FLAG(absl::Duration, tick, absl::Milliseconds(250),
          "How often every marker gets a like.");
ABSL_FLAG(absl::Duration, min_interval, absl::Seconds(5),
          "The subscriptions' min_interval. 5s keeps 1,000 clients at 200 "
          "updates/s, which a shared 2-core machine sustains; 100ms (as "
          "pulse-bench fanout) is 10,000/s, which it does not (README, Soak "
          "test).");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(2),
          "How long to run. With --check, long enough for two samples after "
          "--warmup (a shorter run is refused at start).");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(10),
          "One sample (table row and JSON line) every this long.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(60),
          "Samples before this are not judged. 60s: at 2,000 engagements/s "
          "the server's first memtable flush comes at about 45s.");
ABSL_FLAG(double, max_rss_growth, 0.10,
          "Allowed RSS growth of each process from the first sample after "
          "warm-up to the last, as a fraction of the first ...");
ABSL_FLAG(int64_t, max_rss_growth_mib, 32,
          "... or this many MiB, whichever is larger (README, Soak test, says "
          "why 32).");
ABSL_FLAG(double, min_ingest, 0.5,
          "Firehose items acknowledged per second after warm-up must average "
          "at least this fraction of --rate.");
ABSL_FLAG(int64_t, fd_slack, 8,
          "Allowed growth of each process's open files after warm-up.");
ABSL_FLAG(absl::Duration, max_visibility_p99, absl::ZeroDuration(),
          "Bound on the p99 visibility latency of every marker like seen "
          "after warm-up; default --min_interval + 2s (an update may wait "
          "one min_interval to be sent).");
ABSL_FLAG(absl::Duration, max_stalest, absl::ZeroDuration(),
          "Bound on how far behind the stalest client may be at the end; "
          "default --min_interval + 5s.");
ABSL_FLAG(std::string, format, "both",
          "Per sample: table (rows on stdout), json (JSON lines on stdout) "
          "or both.");
ABSL_FLAG(bool, check, true,
          "Check the limits at the end and exit 1 when one is exceeded.");

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnSignal(int signal_number) {
  g_stop.store(true);
  std::signal(signal_number, SIG_DFL);
}

// "--name=value", as the value would be written on the command line.
std::string Flag(const char* name, absl::Duration value) {
  return absl::StrCat("--", name, "=", absl::FormatDuration(value));
}

// What is wrong with the sizes and times in `options`, one message per
// failed condition, each naming the flags and values and what to give
// instead; empty when the run can go ahead. `check`: the run is judged at the
// end, which needs two samples after the warm-up.
std::vector<std::string> OptionErrors(const pulse::soak::SoakOptions& options,
                                      bool check) {
  std::vector<std::string> errors;
  if (!(options.rate > 0)) {
    errors.push_back(absl::StrCat("--rate=", options.rate,
                                  ": must be more than 0 engagements/s"));
  }
  if (options.posts < 1) {
    errors.push_back(
        absl::StrCat("--posts=", options.posts, ": must be at least 1"));
  }
  if (options.clients < 1) {
    errors.push_back(
        absl::StrCat("--clients=", options.clients, ": must be at least 1"));
  } else if (options.markers < 1) {
    errors.push_back(absl::StrCat(
        "--markers=", options.markers,
        ": must be at least 1 (and at most --clients, ", options.clients, ")"));
  } else if (options.markers > options.clients) {
    errors.push_back(absl::StrCat(
        "--markers=", options.markers,
        " must be at most --clients=", options.clients,
        " (client i watches marker i % markers: a marker past the clients "
        "has no watcher); give at most ",
        options.clients,
        ", or leave --markers out (100, or --clients when fewer)"));
  }
  if (options.tick <= absl::ZeroDuration()) {
    errors.push_back(Flag("tick", options.tick) + ": must be more than 0s");
  }
  if (options.interval <= absl::ZeroDuration()) {
    errors.push_back(Flag("interval", options.interval) +
                     ": must be more than 0s");
  }
  if (options.warmup < absl::ZeroDuration()) {
    errors.push_back(Flag("warmup", options.warmup) +
                     ": must not be negative (0s judges from the first "
                     "sample)");
  }
  if (options.interval <= absl::ZeroDuration() ||
      options.warmup < absl::ZeroDuration()) {
    return errors;  // the minimum duration below depends on both
  }
  if (options.duration < options.interval) {
    errors.push_back(absl::StrCat(
        Flag("duration", options.duration), " must be at least ",
        Flag("interval", options.interval),
        " (only the sample at 0s would be taken); give --duration of at "
        "least ",
        absl::FormatDuration(options.interval)));
    return errors;
  }
  // Samples come every --interval from 0 to --duration; the first judged is
  // the first at or after --warmup, and the checks compare it with a later
  // one.
  absl::Duration remainder;
  const int64_t first_judged =
      absl::IDivDuration(options.warmup, options.interval, &remainder) +
      (remainder > absl::ZeroDuration() ? 1 : 0);
  const absl::Duration shortest = options.interval * (first_judged + 1);
  if (check && options.duration < shortest) {
    errors.push_back(absl::StrCat(
        Flag("duration", options.duration), " is too short to judge with ",
        Flag("warmup", options.warmup), " and ",
        Flag("interval", options.interval),
        ": the checks need two samples after the warm-up; give --duration of "
        "at least ",
        absl::FormatDuration(shortest), " (or --nocheck)"));
  }
  return errors;
}

std::string ResultJson(const pulse::soak::SoakSummary& summary,
                       const std::vector<std::string>& failures) {
  google::protobuf::Struct json;
  auto& f = *json.mutable_fields();
  f["soak"].set_string_value("result");
  f["ok"].set_bool_value(failures.empty());
  f["visibility_p99_after_warmup_ms"].set_number_value(
      summary.visibility_p99_after_warmup_ms);
  f["visible_after_warmup"].set_number_value(
      static_cast<double>(summary.visible_after_warmup));
  for (const std::string& failure : failures) {
    f["failures"].mutable_list_value()->add_values()->set_string_value(failure);
  }
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(json, &out);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  pulse::server::ParseFlagsOnly(
      argc, argv,
      "Soak test: a paced loadgen firehose into pulse-server and many "
      "websocket clients on pulse-bridge for --duration, sampling RSS, open "
      "files and visibility latency every --interval; exits 1 when, after "
      "--warmup, RSS or open files grew, a client dropped, anything failed "
      "or visibility p99 exceeded its bound.\n\n"
      "  pulse-soak [--duration=2m] [--rate=2000] [--clients=1000] ...",
      "tools/soak/main.cc");

  pulse::soak::SoakOptions options;
  const std::string dir = pulse::bench::SelfDir();
  options.server_bin = absl::GetFlag(FLAGS_server_bin);
  if (options.server_bin.empty()) {
    options.server_bin = dir + "/../../server/pulse-server";
  }
  options.bridge_bin = absl::GetFlag(FLAGS_bridge_bin);
  if (options.bridge_bin.empty()) {
    options.bridge_bin = dir + "/../../bridge/pulse-bridge";
  }
  options.server_address = absl::GetFlag(FLAGS_server);
  options.bridge_address = absl::GetFlag(FLAGS_bridge);
  std::vector<std::string> errors;
  if (options.server_address.empty() != options.bridge_address.empty()) {
    errors.push_back(
        options.server_address.empty()
            ? absl::StrCat("--bridge=", options.bridge_address,
                           " without --server: give both to use running "
                           "processes, or neither to start them")
            : absl::StrCat("--server=", options.server_address,
                           " without --bridge: give both to use running "
                           "processes, or neither to start them"));
  }
  options.server_pid = absl::GetFlag(FLAGS_server_pid);
  options.bridge_pid = absl::GetFlag(FLAGS_bridge_pid);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.posts = absl::GetFlag(FLAGS_posts);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.clients = absl::GetFlag(FLAGS_clients);
  // Unset, 100 markers, or one per client when there are fewer clients.
  options.markers = absl::GetFlag(FLAGS_markers)
                        .value_or(std::min(100, std::max(options.clients, 1)));
  options.tick = absl::GetFlag(FLAGS_tick);
  options.min_interval = absl::GetFlag(FLAGS_min_interval);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.interval = absl::GetFlag(FLAGS_interval);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  for (std::string& error : OptionErrors(options, absl::GetFlag(FLAGS_check))) {
    errors.push_back(std::move(error));
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "table" && format != "json" && format != "both") {
    errors.push_back(
        absl::StrCat("--format=", format, ": must be table, json or both"));
  }
  if (!errors.empty()) {
    for (const std::string& error : errors) {
      std::fprintf(stderr, "pulse-soak: %s\n", error.c_str());
    }
    return pulse::server::kExitUsage;
  }
  pulse::soak::SoakLimits limits;
  limits.warmup_s = absl::ToDoubleSeconds(options.warmup);
  limits.max_rss_growth_fraction = absl::GetFlag(FLAGS_max_rss_growth);
  limits.max_rss_growth_kib = absl::GetFlag(FLAGS_max_rss_growth_mib) * 1024;
  limits.fd_slack = absl::GetFlag(FLAGS_fd_slack);
  const absl::Duration max_p99 = absl::GetFlag(FLAGS_max_visibility_p99);
  limits.max_visibility_p99_ms = absl::ToDoubleMilliseconds(
      max_p99 > absl::ZeroDuration() ? max_p99
                                     : options.min_interval + absl::Seconds(2));
  const absl::Duration max_stalest = absl::GetFlag(FLAGS_max_stalest);
  limits.max_stalest_client_ms =
      absl::ToDoubleMilliseconds(max_stalest > absl::ZeroDuration()
                                     ? max_stalest
                                     : options.min_interval + absl::Seconds(5));
  limits.min_acked_items_per_s = absl::GetFlag(FLAGS_min_ingest) * options.rate;
  limits.clients = options.clients;
  limits.own_processes = options.server_address.empty();

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::fprintf(stderr,
               "pulse-soak: %d clients, %.0f engagements/s, %s, sample every "
               "%s, warm-up %s\n",
               options.clients, options.rate,
               absl::FormatDuration(options.duration).c_str(),
               absl::FormatDuration(options.interval).c_str(),
               absl::FormatDuration(options.warmup).c_str());
  const bool table = format != "json";
  const bool json = format != "table";
  if (table) std::printf("%s\n", pulse::soak::TableHeader().c_str());
  absl::StatusOr<pulse::soak::SoakSummary> summary = pulse::soak::RunSoak(
      options, g_stop, [&](const pulse::soak::Sample& sample) {
        if (table) std::printf("%s\n", pulse::soak::TableRow(sample).c_str());
        if (json) std::printf("%s\n", pulse::soak::SampleJson(sample).c_str());
        std::fflush(stdout);
      });
  if (!summary.ok()) {
    std::fprintf(stderr, "pulse-soak: %s\n",
                 summary.status().ToString().c_str());
    return 1;
  }
  const std::vector<std::string> failures =
      absl::GetFlag(FLAGS_check) ? pulse::soak::CheckSoak(*summary, limits)
                                 : std::vector<std::string>();
  std::printf("visibility p99 after warm-up: %.0f ms over %lld likes\n",
              summary->visibility_p99_after_warmup_ms,
              static_cast<long long>(summary->visible_after_warmup));
  if (json) std::printf("%s\n", ResultJson(*summary, failures).c_str());
  std::fflush(stdout);
  for (const std::string& failure : failures) {
    std::fprintf(stderr, "pulse-soak: FAIL: %s\n", failure.c_str());
  }
  if (!failures.empty()) return 1;
  std::fprintf(stderr, "pulse-soak: PASS\n");
  return 0;
}
