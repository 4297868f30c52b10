#include "bridge/bridge_fixture.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "gtest/gtest.h"

namespace pulse::bridge::testing {

std::string Stack::WsUri(const std::string& query) const {
  return absl::StrCat("ws://127.0.0.1:", bridge->port(), "/ws",
                      query.empty() ? "" : "?", query);
}

std::string Stack::server_port() const {
  const std::string& a = server->address();
  return a.substr(a.rfind(':') + 1);
}

std::unique_ptr<Stack> StartStack(
    const std::vector<std::string>& server_flags,
    const std::function<void(BridgeOptions*)>& tune) {
  auto stack = std::make_unique<Stack>();
  const std::string data = stack->dir.path() + "/data";
  std::filesystem::create_directories(data);
  auto server = pulse::testing::ServerProcess::Start(data, server_flags);
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    return nullptr;
  }
  stack->server = *std::move(server);
  stack->web_root = stack->dir.path() + "/web";
  std::filesystem::create_directories(stack->web_root);
  BridgeOptions options;
  options.listen = "127.0.0.1:0";
  options.backend = stack->server->address();
  options.web_root = stack->web_root;
  if (tune) tune(&options);
  auto bridge = BridgeServer::Start(options);
  if (!bridge.ok()) {
    ADD_FAILURE() << bridge.status();
    return nullptr;
  }
  stack->bridge = *std::move(bridge);
  return stack;
}

}  // namespace pulse::bridge::testing
