// pulse-soak's run: a paced loadgen firehose into pulse-server and a fleet
// of websocket clients on pulse-bridge, for a long time, sampled by
// interval. The pieces are pulse-bench's (processes, websocket fleet, fan-out
// markers) and pulse-loadgen's (firehose, runner); this file only wires them
// together over time. The verdict is checks.h's.
#ifndef PULSE_TOOLS_SOAK_SOAK_H_
#define PULSE_TOOLS_SOAK_SOAK_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/soak/checks.h"
#include "tools/soak/sample.h"

namespace pulse::soak {

struct SoakOptions {
  // Binaries started on loopback free ports over a temp data dir, unless
  // server_address and bridge_address are both set (then those are used, and
  // their RSS and files are read only when their pids are given).
  std::string server_bin;
  std::string bridge_bin;
  std::string server_address;
  std::string bridge_address;
  pid_t server_pid = 0;
  pid_t bridge_pid = 0;
  // Firehose engagements/s (flat: no diurnal swing) over `posts` live posts.
  double rate = 2'000;
  int64_t posts = 10'000;
  uint64_t seed = 1;
  // Websocket clients; client i watches marker i % markers and one random
  // firehose post, with the global totals and the 1 h top-posts board.
  int clients = 1'000;
  int markers = 100;
  absl::Duration min_interval = absl::Seconds(5);
  // Every `tick` each marker gets one like (the visibility clock).
  absl::Duration tick = absl::Milliseconds(250);
  absl::Duration duration = absl::Minutes(2);
  absl::Duration interval = absl::Seconds(10);
  // Latencies from this point on make the summary's p99.
  absl::Duration warmup = absl::Seconds(60);
};

// Runs the soak: starts or connects, opens the clients, then samples every
// interval (the first at 0 s) until the duration has passed or `stop`
// becomes true, calling `on_sample` on the calling thread with each sample;
// stops everything and returns the summary for CheckSoak. Blocks. An error
// when set-up fails (processes, connection, clients); failures during the
// run are counted in the samples instead.
absl::StatusOr<SoakSummary> RunSoak(
    const SoakOptions& options, const std::atomic<bool>& stop,
    const std::function<void(const Sample&)>& on_sample);

}  // namespace pulse::soak

#endif  // PULSE_TOOLS_SOAK_SOAK_H_
