// What pulse-bench runs and at what size. Quick() and Full() are the two
// presets; flags in bench_main.cc override single fields.
#ifndef PULSE_TOOLS_BENCH_BENCH_OPTIONS_H_
#define PULSE_TOOLS_BENCH_BENCH_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace pulse::bench {

struct BenchOptions {
  bool quick = false;
  std::string server_bin;  // pulse-server
  std::string bridge_bin;  // pulse-bridge
  // Live posts in loadgen's firehose (Zipf over them); all are announced
  // before the measured engagements.
  int64_t posts = 1'000'000;
  // Engagements sent per ingest configuration (batch 100 sends at most
  // 2,000 batches).
  int64_t ingest_engagements = 2'000'000;
  std::vector<int> ingest_batches = {100, 1'000, 10'000};
  // Concurrent IngestStream calls the measured batches are dealt to, each
  // on its own connection and, with producer idempotency, as its own
  // producer (several producers, as a real firehose has).
  int ingest_streams = 1;
  // Engagements stored before the query scenario measures.
  int64_t query_preload = 3'000'000;
  absl::Duration query_duration = absl::Seconds(5);
  std::vector<int> query_concurrency = {1, 16, 64};
  std::vector<std::string> query_rpcs;  // empty: all
  // Longest wait, after the preload, for the server's compactions to finish
  // before queries are measured: reads of a store still compacting what it
  // just took in measure the compactions too (after a 5,000,000-engagement
  // preload, GetPostStats' c16 p99 over 5 s read 3.8-4.4 ms at once and
  // 2.0-2.1 ms settled). Zero measures at once.
  absl::Duration query_settle = absl::Seconds(120);
  // Websocket clients per fan-out run.
  std::vector<int> fanout_clients = {1'000, 10'000};
  double fanout_rate = 100'000;  // background engagements/s
  int64_t fanout_posts = 100'000;
  absl::Duration fanout_duration = absl::Seconds(20);
  absl::Duration fanout_min_interval = absl::Milliseconds(100);
  // Each socket also watches one random post (the scenario): most
  // sockets' requests differ, and so do their upstream streams. Without it
  // the sockets of one marker send the same request and share one.
  bool fanout_random_post = true;
  // Engagements per background ingest batch; 0: fanout_rate / 100, within
  // [100, 10,000] (100 batches a second).
  int fanout_batch = 0;
  // The websocket clients' io threads. The clients share the machine's cores
  // with the bridge and the server, and the scheduler shares a core by
  // thread: on one thread, 10,000 clients got 20-40 % of a core and their
  // frames waited in their sockets' receive buffers
  // (tools/bench/PERFORMANCE.md).
  int fanout_client_threads = 4;
  // Engagements stored for the size and restart figures.
  int64_t storage_engagements = 100'000'000;

  static BenchOptions Full();
  static BenchOptions Quick();
};

inline BenchOptions BenchOptions::Full() { return BenchOptions(); }

inline BenchOptions BenchOptions::Quick() {
  BenchOptions o;
  o.quick = true;
  o.posts = 5'000;
  o.ingest_engagements = 60'000;
  o.query_preload = 60'000;
  o.query_duration = absl::Milliseconds(400);
  o.fanout_clients = {100};
  o.fanout_rate = 5'000;
  o.fanout_posts = 2'000;
  o.fanout_duration = absl::Seconds(3);
  o.storage_engagements = 200'000;
  return o;
}

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_BENCH_OPTIONS_H_
