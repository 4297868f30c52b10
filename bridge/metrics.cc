#include "bridge/metrics.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "bridge/bridge_server.h"

namespace pulse::bridge {
namespace {

void Metric(const char* name, const char* type, const char* help, int64_t value,
            std::string* out) {
  absl::StrAppend(out, "# HELP pulse_bridge_", name, " ", help, "\n",
                  "# TYPE pulse_bridge_", name, " ", type, "\n",
                  "pulse_bridge_", name, " ", value, "\n");
}

}  // namespace

std::string RenderMetrics(const BridgeStats& s) {
  std::string out;
  Metric("websocket_connections", "gauge", "Open websocket connections.",
         s.connections, &out);
  Metric("websocket_connections_opened_total", "counter",
         "Websocket connections accepted.", s.connections_opened, &out);
  Metric("websocket_handshakes_rejected_total", "counter",
         "Websocket handshakes refused (origin, limit, bad token, path).",
         s.handshakes_rejected, &out);
  Metric("websocket_congested_connections", "gauge",
         "Connections whose buffered bytes are over --max_buffered_bytes.",
         s.congested_connections, &out);
  Metric("websocket_max_buffered_bytes", "gauge",
         "The most bytes seen buffered on one connection.", s.max_buffered_seen,
         &out);
  Metric("frames_received_total", "counter",
         "Websocket frames received from browsers.", s.frames_received, &out);
  Metric("unary_calls_total", "counter",
         "Unary calls made to pulse-server for browsers.", s.unary_calls, &out);
  Metric("upstream_streams", "gauge",
         "Live Subscribe streams to pulse-server (shared by identical "
         "subscriptions).",
         s.upstreams, &out);
  Metric("upstream_streams_opened_total", "counter",
         "Subscribe streams opened to pulse-server.", s.upstreams_opened, &out);
  Metric("upstream_streams_paused", "gauge",
         "Subscribe streams not being read because every socket they feed "
         "is congested (the server merges updates meanwhile).",
         s.paused_upstreams, &out);
  Metric("upstream_pauses_total", "counter",
         "Times a Subscribe stream stopped reading for congested sockets.",
         s.pauses, &out);
  Metric("updates_sent_total", "counter",
         "Update notifications written to sockets.", s.updates_sent, &out);
  Metric("updates_merged_total", "counter",
         "Updates a congested socket skipped; it gets the merged state as "
         "one catch-up instead.",
         s.updates_skipped, &out);
  Metric("catchups_sent_total", "counter",
         "Merged catch-up snapshots sent to sockets that drained.",
         s.catchups_sent, &out);
  return out;
}

}  // namespace pulse::bridge
