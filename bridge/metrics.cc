#include "bridge/metrics.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "bridge/bridge_server.h"

namespace pulse::bridge {
namespace {

struct Metric {
  const char* name;  // after pulse_bridge_
  const char* type;  // counter or gauge
  const char* help;
  int64_t value;
};

}  // namespace

std::string RenderMetrics(const BridgeStats& s) {
  const Metric metrics[] = {
      {"websocket_connections", "gauge", "Open websocket connections.",
       s.connections},
      {"websocket_connections_opened_total", "counter",
       "Websocket connections accepted.", s.connections_opened},
      {"websocket_handshakes_rejected_total", "counter",
       "Websocket handshakes refused (origin, limit, bad token, path).",
       s.handshakes_rejected},
      {"tls_handshakes_failed_total", "counter",
       "TLS handshakes that failed or timed out (plain HTTP to the TLS port, "
       "a bad ClientHello, a client that does not trust the certificate).",
       s.tls_handshakes_failed},
      {"websocket_congested_connections", "gauge",
       "Connections whose buffered bytes are over their bound "
       "(--max_buffered_bytes, or their share of --max_total_buffered_bytes).",
       s.congested_connections},
      {"websocket_max_buffered_bytes", "gauge",
       "The most bytes seen buffered on one connection.", s.max_buffered_seen},
      {"websocket_buffered_bytes", "gauge",
       "Bytes buffered on all connections, as each last saw its own.",
       s.buffered_bytes},
      {"websocket_buffer_budget_holds_total", "counter",
       "Times a connection was held back by --max_total_buffered_bytes "
       "below its own --max_buffered_bytes.",
       s.budget_holds},
      {"websocket_closed_unread_total", "counter",
       "Connections closed (1008) for sending more requests while congested "
       "than the bridge holds for them (--max_inflight_calls frames, "
       "--max_frame_bytes).",
       s.closed_unread},
      {"frames_received_total", "counter",
       "Websocket frames received from browsers.", s.frames_received},
      {"unary_calls_total", "counter",
       "Unary calls made to pulse-server for browsers.", s.unary_calls},
      {"upstream_streams", "gauge",
       "Live Subscribe streams to pulse-server (shared by identical "
       "subscriptions).",
       s.upstreams},
      {"upstream_streams_opened_total", "counter",
       "Subscribe streams opened to pulse-server.", s.upstreams_opened},
      {"upstream_streams_paused", "gauge",
       "Subscribe streams not being read because every socket they feed is "
       "congested (the server merges updates meanwhile).",
       s.paused_upstreams},
      {"upstream_pauses_total", "counter",
       "Times a Subscribe stream stopped reading for congested sockets.",
       s.pauses},
      {"updates_sent_total", "counter",
       "Update notifications written to sockets.", s.updates_sent},
      {"updates_merged_total", "counter",
       "Updates a congested socket skipped; it gets the merged state as one "
       "catch-up instead.",
       s.updates_skipped},
      {"updates_folded_total", "counter",
       "Updates not queued for a socket whose io thread had not yet taken "
       "the previous one; it gets the merged state as one catch-up instead.",
       s.updates_folded},
      {"catchups_sent_total", "counter",
       "Merged catch-up snapshots sent to sockets that drained or fell "
       "behind.",
       s.catchups_sent},
  };
  std::string out;
  for (const Metric& m : metrics) {
    absl::StrAppend(&out, "# HELP pulse_bridge_", m.name, " ", m.help, "\n",
                    "# TYPE pulse_bridge_", m.name, " ", m.type, "\n",
                    "pulse_bridge_", m.name, " ", m.value, "\n");
  }
  return out;
}

}  // namespace pulse::bridge
