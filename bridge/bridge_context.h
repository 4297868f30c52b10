// What every connection and upstream stream of one bridge shares: its
// options, the method registry, the backend, the upstream registry and the
// counters. Owned by BridgeServer, which outlives all users.
#ifndef PULSE_BRIDGE_BRIDGE_CONTEXT_H_
#define PULSE_BRIDGE_BRIDGE_CONTEXT_H_

#include <atomic>
#include <cstdint>

#include "bridge/bridge_options.h"

namespace pulse::bridge {

class Backend;
class MethodRegistry;
class UpstreamRegistry;

// Monotonic counters, readable from any thread.
struct Counters {
  std::atomic<int64_t> connections_opened{0};
  std::atomic<int64_t> handshakes_rejected{0};
  // TLS handshakes that failed or timed out (plain HTTP to the TLS port, a
  // bad ClientHello, a client that does not trust the certificate).
  std::atomic<int64_t> tls_handshakes_failed{0};
  std::atomic<int64_t> frames_received{0};
  std::atomic<int64_t> unary_calls{0};
  std::atomic<int64_t> upstreams_opened{0};
  std::atomic<int64_t> updates_sent{0};
  // Updates not sent to a congested socket (it gets a catch-up instead).
  std::atomic<int64_t> updates_skipped{0};
  // Updates not posted to a socket that had one waiting for its io thread
  // (it gets a catch-up instead).
  std::atomic<int64_t> updates_folded{0};
  std::atomic<int64_t> catchups_sent{0};
  // Upstream streams whose reading is stopped right now.
  std::atomic<int> paused_upstreams{0};
  // Times an upstream stopped reading because all its sockets were full.
  std::atomic<int64_t> pauses{0};
  // Largest get_buffered_amount() seen on any socket.
  std::atomic<int64_t> max_buffered_seen{0};
  // The sum over open sockets of the bytes each last saw queued on it.
  std::atomic<int64_t> buffered_bytes{0};
  // Times a socket was held back by --max_total_buffered_bytes, when its
  // own --max_buffered_bytes would have let it take more.
  std::atomic<int64_t> budget_holds{0};
  // Sockets closed for sending requests while congested past the hold.
  std::atomic<int64_t> closed_unread{0};
};

struct BridgeContext {
  BridgeOptions options;
  const MethodRegistry* methods;
  Backend* backend;
  UpstreamRegistry* upstreams;
  Counters* counters;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_BRIDGE_CONTEXT_H_
