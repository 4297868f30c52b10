// The set-up of a fan-out run, shared by the fan-out benchmark and pulse-soak:
// a pulse-server and a pulse-bridge sized for N websocket clients, and the
// marker posts that time visibility through the bridge. A ticker adds one like
// to every marker per tick with a unary Ingest, so tick b leaves each marker at
// b likes and a client seeing likes == b has seen tick b. Visibility latency is
// that frame's arrival minus tick b's acknowledgement.
#ifndef PULSE_TOOLS_BENCH_FANOUT_SETUP_H_
#define PULSE_TOOLS_BENCH_FANOUT_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pulse/v1/analytics.pb.h"
#include "tools/bench/child_process.h"

namespace pulse::bench {

// A pulse-server over <dir>/data and a pulse-bridge in front of it, both on
// loopback free ports, logs in `dir`.
struct FanoutProcesses {
  std::unique_ptr<ChildProcess> server;
  std::unique_ptr<ChildProcess> bridge;
};

// Starts them with room for `clients` websockets and subscriptions, any
// origin and an empty web root, the server's metrics on
// server->second_port(). Blocks until both listen.
absl::StatusOr<FanoutProcesses> StartFanoutProcesses(
    const std::string& server_bin, const std::string& bridge_bin,
    const std::string& dir, int clients);

// The id of marker post `i` (0-based) of the markers of `producer_id`:
// each producer (one per run) has its own markers, so runs against one
// long-lived server do not see each other's likes.
std::string MarkerId(const std::string& producer_id, int i);

// The websocket Subscribe frame (JSON-RPC id 1) of a client watching the
// global totals, the 1 h top-10 board and `post_ids` (the marker first), at
// most every `min_interval`.
std::string SubscribeFrame(const std::vector<std::string>& post_ids,
                           absl::Duration min_interval);

// Tick `tick`'s batch for `markers` markers, stamped `now`, under producer
// `producer_id` with sequence tick + 1: tick 0 announces the markers
// MarkerId(producer_id, 0..markers-1), each later tick likes every marker
// once.
v1::IngestRequest MarkerBatch(const std::string& producer_id, int markers,
                              int64_t tick, absl::Time now);

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_FANOUT_SETUP_H_
