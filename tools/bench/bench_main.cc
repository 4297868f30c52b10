// pulse-bench: ingest, query, fan-out and storage benchmarks against real
// pulse-server and pulse-bridge processes on loopback.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
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
ABSL_FLAG(int64_t, posts, -1,
          "Live posts in the firehose (default 1,000,000; --quick 5,000).");
ABSL_FLAG(int64_t, ingest_engagements, -1,
          "Engagements per ingest configuration (default 2,000,000).");
ABSL_FLAG(int, ingest_streams, 0,
          "Concurrent IngestStream calls (producers) of the ingest scenario, "
          "1 to 64 (default 1).");
ABSL_FLAG(int64_t, query_preload, -1,
          "Engagements stored before queries are measured (default "
          "3,000,000).");
ABSL_FLAG(absl::Duration, query_duration, absl::ZeroDuration(),
          "Measured time per RPC and concurrency (default 5s).");
ABSL_FLAG(absl::Duration, query_settle, absl::Seconds(-1),
          "Longest wait after the query preload for the server's compactions "
          "to finish before measuring (default 120s; 0s measures at once).");
ABSL_FLAG(std::vector<std::string>, query_rpcs, {},
          "RPCs the query scenario measures (default all: HealthCheck, "
          "GetPostStats, QueryTimeSeries, TopPosts, TrendingHashtags).");
ABSL_FLAG(std::vector<std::string>, query_concurrency, {},
          "Calls in flight per query measurement (default 1,16,64).");
ABSL_FLAG(std::vector<std::string>, fanout_clients, {},
          "Websocket client counts (default 1000,10000; --quick 100).");
ABSL_FLAG(double, fanout_rate, -1,
          "Background ingest during fan-out, engagements/s (default "
          "100,000).");
ABSL_FLAG(absl::Duration, fanout_duration, absl::ZeroDuration(),
          "Measured time per fan-out run (default 20s).");
ABSL_FLAG(int, fanout_client_threads, 0,
          "io threads of the websocket clients, 1 to 64 (default 4).");
ABSL_FLAG(bool, fanout_random_post, true,
          "Each fan-out socket also watches one random post, drawn by "
          "popularity; with --nofanout_random_post it watches the global "
          "totals, the top-posts board and its marker post only, the same "
          "request as the other sockets of its marker.");
ABSL_FLAG(int, fanout_batch, 0,
          "Engagements per background ingest batch during fan-out, 1 to "
          "10,000 (default the rate / 100, within 100 to 10,000).");
ABSL_FLAG(int64_t, storage_engagements, -1,
          "Engagements stored for the size and restart figures (default "
          "100,000,000; --quick 200,000).");

// Takes an int flag left at 0 (its default) or in [1, 64] into *out; false,
// having said why, otherwise.
bool TakeCount(const char* name, int value, int* out) {
  if (value == 0) return true;
  if (value < 1 || value > 64) {
    std::fprintf(stderr, "--%s: %d is outside [1, 64]\n", name, value);
    return false;
  }
  *out = value;
  return true;
}

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
                 "usage: pulse-bench [--quick] "
                 "ingest|query|fanout|storage|all\n");
    return 2;
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
  if (absl::GetFlag(FLAGS_posts) > 0)
    options.posts = absl::GetFlag(FLAGS_posts);
  if (absl::GetFlag(FLAGS_ingest_engagements) > 0) {
    options.ingest_engagements = absl::GetFlag(FLAGS_ingest_engagements);
  }
  if (!TakeCount("ingest_streams", absl::GetFlag(FLAGS_ingest_streams),
                 &options.ingest_streams)) {
    return 2;
  }
  if (absl::GetFlag(FLAGS_query_preload) > 0) {
    options.query_preload = absl::GetFlag(FLAGS_query_preload);
  }
  if (absl::GetFlag(FLAGS_query_duration) > absl::ZeroDuration()) {
    options.query_duration = absl::GetFlag(FLAGS_query_duration);
  }
  if (absl::GetFlag(FLAGS_query_settle) >= absl::ZeroDuration()) {
    options.query_settle = absl::GetFlag(FLAGS_query_settle);
  }
  options.query_rpcs = absl::GetFlag(FLAGS_query_rpcs);
  if (!absl::GetFlag(FLAGS_query_concurrency).empty()) {
    options.query_concurrency.clear();
    for (const std::string& s : absl::GetFlag(FLAGS_query_concurrency)) {
      int n = 0;
      if (!absl::SimpleAtoi(s, &n) || n < 1 || n > 10'000) {
        std::fprintf(stderr, "--query_concurrency: bad count '%s'\n",
                     s.c_str());
        return 2;
      }
      options.query_concurrency.push_back(n);
    }
  }
  if (!absl::GetFlag(FLAGS_fanout_clients).empty()) {
    options.fanout_clients.clear();
    for (const std::string& s : absl::GetFlag(FLAGS_fanout_clients)) {
      int n = 0;
      if (!absl::SimpleAtoi(s, &n) || n < 1) {
        std::fprintf(stderr, "--fanout_clients: bad count '%s'\n", s.c_str());
        return 2;
      }
      options.fanout_clients.push_back(n);
    }
  }
  if (absl::GetFlag(FLAGS_fanout_rate) > 0) {
    options.fanout_rate = absl::GetFlag(FLAGS_fanout_rate);
  }
  options.fanout_random_post = absl::GetFlag(FLAGS_fanout_random_post);
  if (const int b = absl::GetFlag(FLAGS_fanout_batch); b != 0) {
    if (b < 1 || b > 10'000) {
      std::fprintf(stderr, "--fanout_batch: must be in [1, 10000], not %d\n",
                   b);
      return 2;
    }
    options.fanout_batch = b;
  }
  if (absl::GetFlag(FLAGS_fanout_duration) > absl::ZeroDuration()) {
    options.fanout_duration = absl::GetFlag(FLAGS_fanout_duration);
  }
  if (!TakeCount("fanout_client_threads",
                 absl::GetFlag(FLAGS_fanout_client_threads),
                 &options.fanout_client_threads)) {
    return 2;
  }
  if (absl::GetFlag(FLAGS_storage_engagements) > 0) {
    options.storage_engagements = absl::GetFlag(FLAGS_storage_engagements);
  }

  const int runs = absl::GetFlag(FLAGS_runs);
  if (runs < 1 || runs > 100) {
    std::fprintf(stderr, "--runs must be 1 to 100\n");
    return 2;
  }

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
