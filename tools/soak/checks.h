// The verdict of a soak run: after warm-up, memory and open files stay
// flat, no client is lost, nothing fails and updates stay timely. Pure
// functions of the samples, so each rule is unit-tested without processes.
#ifndef PULSE_TOOLS_SOAK_CHECKS_H_
#define PULSE_TOOLS_SOAK_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/soak/sample.h"

namespace pulse::soak {

struct SoakLimits {
  // Samples before this many seconds are not judged (start-up, caches and
  // memtables filling).
  double warmup_s = 60;
  // RSS may grow from the first sample after warm-up to the last by
  // whichever is larger: this fraction of the first, or this many KiB. The
  // growth of the server's RocksDB memtables and block cache (their high
  // water mark) is subtracted first when known: bounded by configuration,
  // they fill for minutes, and RSS keeps what a flush frees.
  double max_rss_growth_fraction = 0.10;
  int64_t max_rss_growth_kib = 32 * 1024;
  // Open files may grow by this many from the first sample after warm-up.
  int64_t fd_slack = 8;
  // Bound on the p99 visibility latency over every like after warm-up.
  double max_visibility_p99_ms = 1000;
  // Bound on the last sample's stalest client.
  double max_stalest_client_ms = 5000;
  // The firehose items acknowledged per second, averaged over the samples
  // after warm-up, must reach this (0: not checked).
  double min_acked_items_per_s = 0;
  // The websocket clients that must still be connected at the end.
  int64_t clients = 0;
  // True when pulse-soak started the processes: then a missing RSS means
  // one exited.
  bool own_processes = true;
};

// What the run measured beyond its samples.
struct SoakSummary {
  std::vector<Sample> samples;
  // Every visibility latency after warm-up.
  double visibility_p99_after_warmup_ms = 0;
  int64_t visible_after_warmup = 0;
  // Exit codes of pulse-server and pulse-bridge after SIGTERM (0: clean; -1
  // when killed); unset (0) when pulse-soak did not start them.
  int server_exit = 0;
  int bridge_exit = 0;
};

// One sentence per failed check, naming what grew or failed and by how much;
// empty when the run passes.
std::vector<std::string> CheckSoak(const SoakSummary& summary,
                                   const SoakLimits& limits);

}  // namespace pulse::soak

#endif  // PULSE_TOOLS_SOAK_CHECKS_H_
