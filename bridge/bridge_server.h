// pulse-bridge: serves the dashboard's files over HTTP and speaks JSON-RPC 2.0
// shaped frames over a websocket at /ws, turning each request into a gRPC
// call on pulse-server (no code per RPC: methods are found in the descriptor
// pool, messages converted by protobuf's JSON mapping). It holds no analytics
// state and never reaches storage; it knows pulse-server only through the
// generated gRPC stubs.
//
// Threading model
// - io threads (--threads) run one asio io_context under websocketpp. Each
//   connection has a strand: all of its websocketpp handlers, all of its
//   Connection state and every send on it run there, one at a time.
// - gRPC callback threads complete unary calls and read Subscribe streams.
//   They never touch a socket: they post to the connection's strand. An
//   upstream stream's shared state is under its own mutex, and deliveries
//   are posted under it so that each socket sees its stream's order.
// - The thread that calls Start/Shutdown (main) owns the lifecycle. Shutdown
//   stops listening, closes every socket, cancels every gRPC call, then
//   waits (bounded) for the io threads and for gRPC to finish.
// Nothing blocks an io thread except reading a static file from disk.
//
// ws:// or wss://: the websocketpp endpoint is of one config or the other
// (--tls_cert/--tls_key); the handlers are templates over the connection
// type, and Connection sees its socket through WsSocket, so both share all
// of the logic.
#ifndef PULSE_BRIDGE_BRIDGE_SERVER_H_
#define PULSE_BRIDGE_BRIDGE_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "bridge/backend.h"
#include "bridge/bridge_context.h"
#include "bridge/bridge_options.h"
#include "bridge/connection.h"
#include "bridge/method_registry.h"
#include "bridge/static_files.h"
#include "bridge/upstream.h"
#include "bridge/ws_types.h"

namespace pulse::bridge {

// A point-in-time view of a running bridge, for tests and operators.
struct BridgeStats {
  int connections = 0;
  int congested_connections = 0;
  int64_t connections_opened = 0;
  int64_t handshakes_rejected = 0;
  int64_t tls_handshakes_failed = 0;
  int64_t frames_received = 0;
  int upstreams = 0;
  int paused_upstreams = 0;
  int64_t upstreams_opened = 0;
  int64_t unary_calls = 0;
  int unary_calls_in_flight = 0;  // and health checks
  int64_t updates_sent = 0;
  int64_t updates_skipped = 0;
  int64_t updates_folded = 0;
  int64_t catchups_sent = 0;
  int64_t pauses = 0;
  int64_t max_buffered_seen = 0;
  int64_t buffered_bytes = 0;
  int64_t budget_holds = 0;
  int64_t closed_unread = 0;
};

// A running bridge. Thread-safe.
class BridgeServer {
 public:
  // Validates options (reading the TLS files it names), binds the listen
  // address and starts the io threads. INVALID_ARGUMENT for bad options or
  // TLS files, UNAVAILABLE if it cannot listen.
  static absl::StatusOr<std::unique_ptr<BridgeServer>> Start(
      const BridgeOptions& options);
  // Shuts down if still running.
  ~BridgeServer();

  // The bound port.
  int port() const { return port_; }
  BridgeStats Stats() const;

  // Stops listening, closes every socket (1001), cancels every gRPC call and
  // joins the io threads. Blocks (at most a few seconds); idempotent.
  void Shutdown();

  // Runs `fn` on an io thread: lets a test stall them.
  void PostForTesting(std::function<void()> fn);

 private:
  BridgeServer(const BridgeOptions& options, const std::string& backend_roots,
               std::shared_ptr<boost::asio::ssl::context> tls);
  absl::Status Listen();

  // Sets up `server` (either config) with this bridge's handlers.
  template <typename Server>
  void Configure(Server& server);
  template <typename ConnectionPtr>
  bool Validate(const ConnectionPtr& con);
  template <typename ConnectionPtr>
  void Open(const ConnectionPtr& con);
  template <typename ConnectionPtr>
  void Http(const ConnectionPtr& con);
  template <typename ConnectionPtr>
  void HandshakeFailed(const ConnectionPtr& con);
  void ArmPingTimer();
  // Stops accepting. websocketpp restarts its accept from each accepted
  // connection's handler, on whichever io thread runs it, so closing the
  // acceptor from any other thread races that restart; the socket init
  // handler, which runs inside the loop before the restart, closes it once
  // stopping_ is set, and this makes one more connection to run the loop.
  void StopAccepting();
  bool Stopping() const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<std::shared_ptr<Connection>> Connections() const;

  const BridgeOptions options_;
  MethodRegistry methods_;
  Counters counters_;
  Backend backend_;
  UpstreamRegistry upstreams_;
  BridgeContext ctx_;
  StaticFiles files_;

  boost::asio::io_context io_;
  // Shared by every wss:// connection; null for ws://.
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  // One of the two, chosen by tls_.
  std::variant<std::unique_ptr<WsServer>, std::unique_ptr<WssServer>> server_;
  // The ping timer's handler re-arms it on some io thread; Shutdown cancels
  // it: both through this strand.
  boost::asio::strand<boost::asio::io_context::executor_type> ping_strand_;
  boost::asio::steady_timer ping_timer_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  boost::asio::ip::tcp::endpoint local_endpoint_;  // what Listen bound

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int running_threads_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<const Connection*, std::shared_ptr<Connection>>
      connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_BRIDGE_SERVER_H_
