// pulse-bridge's metrics in the Prometheus text format, served at GET
// /metrics on the bridge's port.
#ifndef PULSE_BRIDGE_METRICS_H_
#define PULSE_BRIDGE_METRICS_H_

#include <string>

namespace pulse::bridge {

struct BridgeStats;

// The text exposition (version 0.0.4) of `stats`: every figure with its
// # HELP and # TYPE lines, names prefixed pulse_bridge_.
std::string RenderMetrics(const BridgeStats& stats);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_METRICS_H_
