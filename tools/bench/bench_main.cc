// pulse-bench: ingest, query, fan-out and storage benchmarks against real
// pulse-server and pulse-bridge processes on loopback.
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/command_line.h"
#include "tools/bench/bench_options.h"
#include "tools/bench/child_process.h"
#include "tools/bench/report.h"
#include "tools/bench/scenarios.h"

ABSL_FLAG(bool, quick, false,
          "Every scenario at a small size (the whole run in under a minute).");
ABSL_FLAG(int, runs, 1,
          "Runs of the command; the final table shows each figure's median, "
          "min and max, and medians are printed as JSON lines too.");
ABSL_FLAG(std::string, server_bin, "",
          "pulse-server binary; default ../../server/pulse-server next to "
          "this executable.");
ABSL_FLAG(std::string, bridge_bin, "",
          "pulse-bridge binary; default ../../bridge/pulse-bridge next to "
          "this executable.");
ABSL_FLAG(std::optional<int64_t>, posts, std::nullopt,
          "Live posts in the firehose, 1 or more (default 1,000,000; --quick "
          "5,000).");
ABSL_FLAG(std::optional<int64_t>, ingest_engagements, std::nullopt,
          "Engagements per ingest configuration, 1 or more (default "
          "2,000,000; --quick 60,000).");
ABSL_FLAG(std::optional<int>, ingest_streams, std::nullopt,
          "Concurrent IngestStream calls (producers) of the ingest scenario, "
          "1 to 64 (default 1).");
ABSL_FLAG(std::optional<int64_t>, query_preload, std::nullopt,
          "Engagements stored, 0 or more, before queries are measured, after "
          "a sample of 100,000 the queried posts are drawn from (by "
          "popularity); both in whole batches of 10,000 items, so a little "
          "more is stored (default 3,000,000; --quick 60,000; the figures' "
          "stored_engagements is the total).");
ABSL_FLAG(std::optional<absl::Duration>, query_duration, std::nullopt,
          "Measured time per RPC and concurrency, more than 0s (default 5s; "
          "--quick 400ms).");
ABSL_FLAG(std::optional<absl::Duration>, query_settle, std::nullopt,
          "Longest wait after the query preload for the server's compactions "
          "to finish before measuring, 0s or more (default 120s; 0s measures "
          "at once).");
ABSL_FLAG(std::vector<std::string>, query_rpcs, {},
          "RPCs the query scenario measures (default all: HealthCheck, "
          "GetPostStats, QueryTimeSeries, TopPosts, TrendingHashtags).");
ABSL_FLAG(std::vector<std::string>, query_concurrency, {},
          "Calls in flight per query measurement, each 1 to 10,000 (default "
          "1,16,64).");
ABSL_FLAG(std::vector<std::string>, fanout_clients, {},
          "Websocket client counts, each 1 or more (default 1000,10000; "
          "--quick 100).");
ABSL_FLAG(std::optional<double>, fanout_rate, std::nullopt,
          "Background ingest during fan-out, engagements/s, more than 0 "
          "(default 100,000; --quick 5,000).");
ABSL_FLAG(std::optional<absl::Duration>, fanout_duration, std::nullopt,
          "Measured time per fan-out run, more than 0s (default 20s; --quick "
          "3s).");
ABSL_FLAG(std::optional<int>, fanout_client_threads, std::nullopt,
          "io threads of the websocket clients, 1 to 64 (default 4).");
ABSL_FLAG(bool, fanout_random_post, true,
          "Each fan-out socket also watches one random post, drawn by "
          "popularity; with --nofanout_random_post it watches the global "
          "totals, the top-posts board and its marker post only, the same "
          "request as the other sockets of its marker.");
ABSL_FLAG(std::optional<int>, fanout_batch, std::nullopt,
          "Engagements per background ingest batch during fan-out, 1 to "
          "10,000 (default the rate / 100, within 100 to 10,000).");
ABSL_FLAG(std::optional<int64_t>, storage_engagements, std::nullopt,
          "Engagements stored for the size and restart figures, 1 or more "
          "(default 100,000,000; --quick 200,000).");

namespace {

// Checks the flags' values before anything runs: each out of range is said
// on stderr (the flag, its value and the range) as it is found. A flag left
// out keeps the preset's value.
class FlagCheck {
 public:
  // False once anything was refused.
  bool ok() const { return ok_; }

  // A count in [min, max].
  template <typename T>
  void Count(const char* name, const std::optional<T>& value, T min, T max,
             T* out) {
    if (!value.has_value()) return;
    if (*value >= min && *value <= max) {
      *out = *value;
      return;
    }
    Refuse(absl::StrCat("--", name, "=", *value, ": must be ",
                        max == std::numeric_limits<T>::max()
                            ? absl::StrCat("at least ", min)
                            : absl::StrCat(min, " to ", max)));
  }

  // A rate of engagements/s, more than 0.
  void Rate(const char* name, const std::optional<double>& value, double* out) {
    if (!value.has_value()) return;
    if (*value > 0) {
      *out = *value;
      return;
    }
    Refuse(absl::StrCat("--", name, "=", *value,
                        ": must be more than 0 engagements/s"));
  }

  // More than 0s; with `zero_means` (what 0s does), 0s or more.
  void Duration(const char* name, const std::optional<absl::Duration>& value,
                const char* zero_means, absl::Duration* out) {
    if (!value.has_value()) return;
    if (*value > absl::ZeroDuration() ||
        (zero_means != nullptr && *value == absl::ZeroDuration())) {
      *out = *value;
      return;
    }
    Refuse(absl::StrCat(
        "--", name, "=", absl::FormatDuration(*value),
        zero_means == nullptr
            ? std::string(": must be more than 0s")
            : absl::StrCat(": must be 0s (", zero_means, ") or more")));
  }

  // A list of counts, each in [min, max]; an empty list keeps *out.
  void Counts(const char* name, const std::vector<std::string>& values, int min,
              int max, std::vector<int>* out) {
    if (values.empty()) return;
    std::vector<int> counts;
    for (const std::string& v : values) {
      int n = 0;
      if (!absl::SimpleAtoi(v, &n) || n < min || n > max) {
        Refuse(absl::StrCat("--", name, "=", absl::StrJoin(values, ","), ": '",
                            v, "' must be a count ",
                            max == std::numeric_limits<int>::max()
                                ? absl::StrCat("of at least ", min)
                                : absl::StrCat("from ", min, " to ", max)));
        return;
      }
      counts.push_back(n);
    }
    *out = std::move(counts);
  }

  // Says "pulse-bench: <message>" on stderr; ok() is false from now on.
  void Refuse(const std::string& message) {
    std::fprintf(stderr, "pulse-bench: %s\n", message.c_str());
    ok_ = false;
  }

 private:
  bool ok_ = true;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = pulse::server::ParseCommandLine(
      argc, argv,
      "Pulse benchmarks against real pulse-server and pulse-bridge processes "
      "on loopback.\n"
      "Usage: pulse-bench [--quick] ingest|query|fanout|storage|all\n"
      "Prints a table and one JSON line per figure.",
      "tools/bench/bench_main.cc");
  if (args.size() != 2) {
    std::fprintf(stderr,
                 "pulse-bench: %s\n"
                 "usage: pulse-bench [--quick] [--runs=N] [flags] "
                 "ingest|query|fanout|storage|all\n",
                 args.size() < 2 ? "no command: give one"
                                 : "more than one command: give one, or all");
    return pulse::server::kExitUsage;
  }
  using pulse::bench::BenchOptions;
  BenchOptions options =
      absl::GetFlag(FLAGS_quick) ? BenchOptions::Quick() : BenchOptions::Full();
  const std::string dir = pulse::bench::SelfDir();
  options.server_bin = absl::GetFlag(FLAGS_server_bin);
  if (options.server_bin.empty()) {
    options.server_bin = dir + "/../../server/pulse-server";
  }
  options.bridge_bin = absl::GetFlag(FLAGS_bridge_bin);
  if (options.bridge_bin.empty()) {
    options.bridge_bin = dir + "/../../bridge/pulse-bridge";
  }
  // Everything is checked before anything runs, so that a mistake costs no
  // run and prints no table.
  FlagCheck check;
  if (absl::Status s = pulse::bench::CheckCommand(args[1]); !s.ok()) {
    check.Refuse(std::string(s.message()));
  }
  constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
  check.Count<int64_t>("posts", absl::GetFlag(FLAGS_posts), 1, kNoMax,
                       &options.posts);
  check.Count<int64_t>("ingest_engagements",
                       absl::GetFlag(FLAGS_ingest_engagements), 1, kNoMax,
                       &options.ingest_engagements);
  check.Count("ingest_streams", absl::GetFlag(FLAGS_ingest_streams), 1, 64,
              &options.ingest_streams);
  check.Count<int64_t>("query_preload", absl::GetFlag(FLAGS_query_preload), 0,
                       kNoMax, &options.query_preload);
  check.Duration("query_duration", absl::GetFlag(FLAGS_query_duration), nullptr,
                 &options.query_duration);
  check.Duration("query_settle", absl::GetFlag(FLAGS_query_settle),
                 "measures at once", &options.query_settle);
  options.query_rpcs = absl::GetFlag(FLAGS_query_rpcs);
  if (absl::Status s = pulse::bench::CheckQueryRpcs(options.query_rpcs);
      !s.ok()) {
    check.Refuse(std::string(s.message()));
  }
  check.Counts("query_concurrency", absl::GetFlag(FLAGS_query_concurrency), 1,
               10'000, &options.query_concurrency);
  check.Counts("fanout_clients", absl::GetFlag(FLAGS_fanout_clients), 1,
               std::numeric_limits<int>::max(), &options.fanout_clients);
  check.Rate("fanout_rate", absl::GetFlag(FLAGS_fanout_rate),
             &options.fanout_rate);
  options.fanout_random_post = absl::GetFlag(FLAGS_fanout_random_post);
  check.Count("fanout_batch", absl::GetFlag(FLAGS_fanout_batch), 1, 10'000,
              &options.fanout_batch);
  check.Duration("fanout_duration", absl::GetFlag(FLAGS_fanout_duration),
                 nullptr, &options.fanout_duration);
  check.Count("fanout_client_threads",
              absl::GetFlag(FLAGS_fanout_client_threads), 1, 64,
              &options.fanout_client_threads);
  check.Count<int64_t>("storage_engagements",
                       absl::GetFlag(FLAGS_storage_engagements), 1, kNoMax,
                       &options.storage_engagements);
  int runs = 1;
  check.Count("runs", std::optional<int>(absl::GetFlag(FLAGS_runs)), 1, 100,
              &runs);
  if (!check.ok()) return pulse::server::kExitUsage;

  pulse::bench::Report report(stdout);
  absl::Status status;
  for (int run = 1; run <= runs && status.ok(); ++run) {
    if (runs > 1)
      std::fprintf(stderr, "pulse-bench: run %d of %d\n", run, runs);
    status = pulse::bench::RunCommand(args[1], options, report);
  }
  report.PrintTable();
  if (!status.ok()) {
    std::fprintf(stderr, "pulse-bench: %s\n", status.ToString().c_str());
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
