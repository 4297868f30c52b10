// pulse-bridge's settings; the flags of main.cc map onto these.
#ifndef PULSE_BRIDGE_BRIDGE_OPTIONS_H_
#define PULSE_BRIDGE_BRIDGE_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace pulse::bridge {

struct BridgeOptions {
  // host:port for HTTP and websockets; port 0 picks a free port.
  std::string listen = "127.0.0.1:8080";
  // pulse-server's gRPC address.
  std::string backend = "127.0.0.1:50051";
  // PEM certificate chain and private key: when both are set the bridge
  // serves wss:// and https:// only; when neither, ws:// and http://.
  std::string tls_cert;
  std::string tls_key;
  // PEM root certificates the backend channel trusts: set, it speaks TLS to
  // pulse-server; empty, plaintext.
  std::string backend_tls_ca;
  // io threads running websocketpp.
  int threads = 2;
  // Where the dashboard's files are; empty serves none.
  std::string web_root = "clients/web";
  // Origins allowed to open /ws; empty means only the bridge's own host.
  std::vector<std::string> allowed_origins;
  // Largest incoming frame (and HTTP body); larger closes with 1009.
  size_t max_frame_bytes = 64 << 10;
  // Live subscriptions per connection.
  int max_subscriptions = 64;
  // Bytes queued on a socket above which its streams stop being read.
  size_t max_buffered_bytes = 1 << 20;
  // Bytes queued on all sockets together (as each last saw its own) above
  // which every socket's bound is max_total_buffered_bytes /
  // max_connections instead: the bridge's worst case, where every socket's
  // own bound alone would allow max_connections * max_buffered_bytes.
  size_t max_total_buffered_bytes = size_t{1} << 30;
  // Open websockets at once.
  int max_connections = 10'000;
  // Unary calls in flight per connection.
  int max_inflight_calls = 32;
  // Deadline of each unary call.
  absl::Duration call_timeout = absl::Seconds(10);
  // Deadline of the server's health check behind `/healthz`.
  absl::Duration health_timeout = absl::Seconds(2);
  // Every socket is pinged this often and closed if no pong comes back
  // within pong_timeout.
  absl::Duration ping_interval = absl::Seconds(30);
  absl::Duration pong_timeout = absl::Seconds(10);
  // A handshake (HTTP request or websocket upgrade) must finish within this.
  absl::Duration handshake_timeout = absl::Seconds(5);
  // Largest gRPC response accepted from the backend.
  int max_backend_message_bytes = 16 << 20;
  // HTTP/2 flow-control window of each Subscribe stream from the backend:
  // the bytes of updates the server may send ahead of the bridge's reading.
  // Small, so that a bridge that falls behind makes the server merge
  // updates rather than queue seconds of them in transit.
  int upstream_window_bytes = 32 << 10;
  // HTTP/2 connections the Subscribe streams are dealt to.
  int upstream_connections = 4;
  // Each connection to pulse-server is pinged after this long without
  // activity, and closed (its calls and streams failing with UNAVAILABLE)
  // if the ping is not answered within upstream_keepalive_timeout: a
  // server that hangs, or a peer that vanished without a FIN, ends the
  // Subscribe streams instead of leaving them open forever. pulse-server
  // sends away clients that ping more often than its
  // --min_client_ping_interval (10 s by default).
  absl::Duration upstream_keepalive_time = absl::Seconds(30);
  absl::Duration upstream_keepalive_timeout = absl::Seconds(20);
  // Serve the Prometheus metrics at GET /metrics.
  bool serve_metrics = true;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_BRIDGE_OPTIONS_H_
