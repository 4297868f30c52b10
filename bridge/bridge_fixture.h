// A real pulse-server process and a real in-process bridge in front of it,
// both on free loopback ports, for the bridge's end-to-end tests.
#ifndef PULSE_BRIDGE_BRIDGE_FIXTURE_H_
#define PULSE_BRIDGE_BRIDGE_FIXTURE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bridge/bridge_server.h"
#include "tests/server_process.h"
#include "tests/time_scale.h"

namespace pulse::bridge::testing {

struct Stack {
  pulse::testing::TempDir dir;
  std::unique_ptr<pulse::testing::ServerProcess> server;
  std::unique_ptr<BridgeServer> bridge;
  std::string web_root;

  std::string WsUri(const std::string& query = "") const;
  int port() const { return bridge->port(); }
  // The server's port, for restarting it on the same address.
  std::string server_port() const;
};

// Starts pulse-server with `server_flags` and a bridge in front of it;
// `tune` may adjust the bridge's options. nullptr (and a test failure) if
// either does not start.
std::unique_ptr<Stack> StartStack(
    const std::vector<std::string>& server_flags = {},
    const std::function<void(BridgeOptions*)>& tune = nullptr);

using pulse::testing::Scaled;
using pulse::testing::WaitUntil;

}  // namespace pulse::bridge::testing

#endif  // PULSE_BRIDGE_BRIDGE_FIXTURE_H_
