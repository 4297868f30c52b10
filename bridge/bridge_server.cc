#include "bridge/bridge_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bridge/handshake_policy.h"
#include "bridge/metrics.h"
#include "bridge/tls.h"
#include "bridge/ws_socket.h"
#include "server/host_port.h"
#include "server/log.h"

namespace pulse::bridge {
namespace {

namespace http = websocketpp::http;

// How long Shutdown waits for the io threads, then for gRPC, to finish.
constexpr absl::Duration kShutdownWait = absl::Seconds(3);

// The longest duration a flag may take (what fits gRPC's int milliseconds).
constexpr absl::Duration kMaxDuration = absl::Hours(24 * 24);

long Millis(absl::Duration d) {
  return static_cast<long>(absl::ToInt64Milliseconds(d));
}

std::pair<std::string, std::string> SplitTarget(const std::string& resource) {
  const size_t q = resource.find('?');
  if (q == std::string::npos) return {resource, ""};
  return {resource.substr(0, q), resource.substr(q + 1)};
}

absl::Status CheckOptions(const BridgeOptions& o) {
  // HOST:PORT, as the server's --listen; a target URI ("dns:///h:p") is
  // gRPC's.
  if (o.backend.find('/') == std::string::npos) {
    if (absl::StatusOr<server::HostPort> backend =
            server::ParseHostPort(o.backend, "--backend");
        !backend.ok()) {
      return backend.status();
    }
  }
  if (o.threads < 1 || o.threads > 256) {
    return absl::InvalidArgumentError("--threads: must be in [1, 256]");
  }
  if (o.max_frame_bytes < 1024) {
    return absl::InvalidArgumentError("--max_frame_bytes: must be >= 1024");
  }
  if (o.max_subscriptions < 0) {
    return absl::InvalidArgumentError("--max_subscriptions: must be >= 0");
  }
  if (o.max_buffered_bytes < 1024) {
    return absl::InvalidArgumentError("--max_buffered_bytes: must be >= 1024");
  }
  if (o.max_total_buffered_bytes < 1024) {
    return absl::InvalidArgumentError(
        "--max_total_buffered_bytes: must be >= 1024");
  }
  if (o.upstream_window_bytes < 1024) {
    return absl::InvalidArgumentError(
        "--upstream_window_bytes: must be >= 1024");
  }
  if (o.upstream_connections < 1 || o.upstream_connections > 64) {
    return absl::InvalidArgumentError(
        "--upstream_connections: must be in [1, 64]");
  }
  if (o.max_connections < 1)
    return absl::InvalidArgumentError("--max_connections: must be >= 1");
  if (o.max_inflight_calls < 1) {
    return absl::InvalidArgumentError("--max_inflight_calls: must be >= 1");
  }
  // Up to 24 days, as pulse-server's: an infinite or huge duration
  // overflows the milliseconds of websocketpp's and gRPC's timers, which
  // then fire at once (a ping loop spinning a core, every call past its
  // deadline, every handshake timed out).
  for (const auto& [name, d] :
       {std::pair{"--call_timeout", o.call_timeout},
        {"--ping_interval", o.ping_interval},
        {"--pong_timeout", o.pong_timeout},
        {"--handshake_timeout", o.handshake_timeout},
        {"--upstream_keepalive_time", o.upstream_keepalive_time},
        {"--upstream_keepalive_timeout", o.upstream_keepalive_timeout}}) {
    if (d < absl::Milliseconds(1) || d > kMaxDuration) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": must be in [1ms, 24d], not ", absl::FormatDuration(d)));
    }
  }
  // websocketpp cancels a pending pong timeout when the next ping goes out.
  if (o.pong_timeout >= o.ping_interval) {
    return absl::InvalidArgumentError(
        "--pong_timeout must be shorter than --ping_interval");
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key: set both (wss://) or neither (ws://)");
  }
  return absl::OkStatus();
}

// A TLS handshake that failed or timed out, as websocketpp reports it.
bool IsTlsHandshakeError(const websocketpp::lib::error_code& ec) {
  namespace socket = websocketpp::transport::asio::socket;
  return ec == socket::make_error_code(socket::error::tls_handshake_failed) ||
         ec == socket::make_error_code(socket::error::tls_handshake_timeout);
}

// websocketpp reports any error of its acceptor as "Underlying Transport
// Error"; binding a socket of our own to the same address says which.
std::string BindError(const std::string& host, int port) {
  boost::asio::io_context io;
  boost::system::error_code ec;
  boost::asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return ec.message();
  if (endpoints.empty()) return "the host has no address";
  // websocketpp listens on the first address the host resolves to.
  boost::asio::ip::tcp::acceptor acceptor(io);
  const boost::asio::ip::tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  return ec ? ec.message() : "unknown error";
}

}  // namespace

BridgeServer::BridgeServer(const BridgeOptions& options,
                           const std::string& backend_roots,
                           std::shared_ptr<boost::asio::ssl::context> tls)
    : options_(options),
      backend_(options.backend,
               BackendOptions{
                   options.call_timeout, options.max_backend_message_bytes,
                   options.upstream_window_bytes, options.upstream_connections,
                   options.upstream_keepalive_time,
                   options.upstream_keepalive_timeout, options.health_timeout},
               backend_roots),
      upstreams_(&backend_, &counters_),
      ctx_{options, &methods_, &backend_, &upstreams_, &counters_},
      files_(options.web_root),
      tls_(std::move(tls)),
      ping_strand_(boost::asio::make_strand(io_)),
      ping_timer_(ping_strand_) {
  if (tls_ == nullptr) {
    auto server = std::make_unique<WsServer>();
    Configure(*server);
    server_ = std::move(server);
    return;
  }
  auto server = std::make_unique<WssServer>();
  Configure(*server);
  server->set_tls_init_handler(
      [tls = tls_, s = server.get()](websocketpp::connection_hdl hdl) {
        // The TLS shutdown is quiet (see MakeServerTlsContext) and leaves the
        // TCP socket open, where a pending read would keep the connection alive
        // until the client hangs up: end it as the plain transport does.
        s->get_con_from_hdl(hdl)->set_termination_handler(
            [](const WssServer::connection_ptr& con) {
              boost::system::error_code ignored;
              con->get_raw_socket().shutdown(
                  boost::asio::socket_base::shutdown_both, ignored);
            });
        return tls;
      });
  server_ = std::move(server);
}

template <typename Server>
void BridgeServer::Configure(Server& server) {
  // Both logs off: the access log writes a line per frame, and the error log
  // reports every peer that resets its socket as "fatal".
  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  websocketpp::lib::error_code ec;
  server.init_asio(&io_, ec);
  server.set_reuse_addr(true);
  server.set_max_message_size(options_.max_frame_bytes);
  server.set_max_http_body_size(options_.max_frame_bytes);
  server.set_open_handshake_timeout(Millis(options_.handshake_timeout));
  server.set_close_handshake_timeout(1000);
  server.set_pong_timeout(Millis(options_.pong_timeout));
  server.set_socket_init_handler(
      [this, &server](websocketpp::connection_hdl, auto& /*socket*/) {
        if (!Stopping()) return;
        websocketpp::lib::error_code ignored;  // already closed: fine
        server.stop_listening(ignored);
      });
  server.set_validate_handler([this, &server](websocketpp::connection_hdl hdl) {
    const bool ok = Validate(server.get_con_from_hdl(hdl));
    if (!ok) counters_.handshakes_rejected++;
    return ok;
  });
  server.set_open_handler([this, &server](websocketpp::connection_hdl hdl) {
    Open(server.get_con_from_hdl(hdl));
  });
  server.set_http_handler([this, &server](websocketpp::connection_hdl hdl) {
    Http(server.get_con_from_hdl(hdl));
  });
  server.set_fail_handler([this, &server](websocketpp::connection_hdl hdl) {
    HandshakeFailed(server.get_con_from_hdl(hdl));
  });
  server.set_pong_timeout_handler(
      [&server](websocketpp::connection_hdl hdl, std::string) {
        websocketpp::lib::error_code ignored;
        server.close(hdl, websocketpp::close::status::going_away,
                     "pong timeout", ignored);
      });
}

absl::StatusOr<std::unique_ptr<BridgeServer>> BridgeServer::Start(
    const BridgeOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!options.tls_cert.empty()) {
    absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> context =
        MakeServerTlsContext(options.tls_cert, options.tls_key);
    if (!context.ok()) return context.status();
    tls = *std::move(context);
  }
  std::string backend_roots;
  if (!options.backend_tls_ca.empty()) {
    absl::StatusOr<std::string> roots = ReadRootCerts(options.backend_tls_ca);
    if (!roots.ok()) return roots.status();
    backend_roots = *std::move(roots);
  }
  auto bridge = std::unique_ptr<BridgeServer>(
      new BridgeServer(options, backend_roots, std::move(tls)));
  if (absl::Status s = bridge->Listen(); !s.ok()) return s;
  bridge->ArmPingTimer();
  BridgeServer* b = bridge.get();
  {
    absl::MutexLock lock(&b->mu_);
    b->running_threads_ = options.threads;
  }
  for (int i = 0; i < options.threads; ++i) {
    b->threads_.emplace_back([b] {
      server::NameThisThread("bridge-io");
      b->io_.run();
      absl::MutexLock lock(&b->mu_);
      --b->running_threads_;
    });
  }
  return bridge;
}

absl::Status BridgeServer::Listen() {
  absl::StatusOr<server::HostPort> address =
      server::ParseHostPort(options_.listen, "--listen");
  if (!address.ok()) return address.status();
  return std::visit(
      [&](auto& server) {
        websocketpp::lib::error_code ec;
        server->listen(address->host, std::to_string(address->port), ec);
        if (!ec) server->start_accept(ec);
        if (ec) {
          return absl::UnavailableError(
              absl::StrCat("cannot listen on ", options_.listen, ": ",
                           BindError(address->host, address->port)));
        }
        boost::system::error_code aec;
        local_endpoint_ = server->get_local_endpoint(aec);
        if (aec) return absl::UnavailableError("cannot read the bound port");
        port_ = local_endpoint_.port();
        return absl::OkStatus();
      },
      server_);
}

template <typename ConnectionPtr>
bool BridgeServer::Validate(const ConnectionPtr& con) {
  auto [path, query] = SplitTarget(con->get_resource());
  if (path != "/ws") {
    con->set_status(http::status_code::not_found);
    return false;
  }
  {
    // At --max_connections the handshake is taken and the socket closed with
    // 1013 (Open), which a browser's page can read: it learns nothing of an
    // HTTP 503 but that the socket failed (1006), and would retry at once.
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      con->set_status(http::status_code::service_unavailable);
      return false;
    }
  }
  if (!OriginAllowed(con->get_request_header("Origin"),
                     con->get_request_header("Host"),
                     options_.allowed_origins)) {
    con->set_status(http::status_code::forbidden);
    con->set_body("origin not allowed\n");
    return false;
  }
  absl::StatusOr<HandshakeAuth> auth =
      ReadHandshakeAuth(con->get_requested_subprotocols(), query);
  if (!auth.ok()) {
    con->set_status(http::status_code::bad_request);
    con->set_body(absl::StrCat(auth.status().message(), "\n"));
    return false;
  }
  if (!auth->subprotocol.empty()) {
    websocketpp::lib::error_code ec;
    con->select_subprotocol(auth->subprotocol, ec);
  }
  return true;
}

template <typename ConnectionPtr>
void BridgeServer::Open(const ConnectionPtr& con) {
  absl::StatusOr<HandshakeAuth> auth =
      ReadHandshakeAuth(con->get_requested_subprotocols(),
                        SplitTarget(con->get_resource()).second);
  auto conn = std::make_shared<Connection>(
      &ctx_, std::make_unique<WsSocketOf<ConnectionPtr>>(con),
      auth.ok() ? auth->token : "");
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ ||
        static_cast<int>(connections_.size()) >= options_.max_connections) {
      websocketpp::lib::error_code ec;
      con->close(websocketpp::close::status::try_again_later,
                 "too many connections", ec);
      counters_.handshakes_rejected++;
      return;
    }
    connections_[conn.get()] = conn;
  }
  counters_.connections_opened++;
  std::weak_ptr<Connection> weak = conn;
  con->set_message_handler(
      [weak](websocketpp::connection_hdl, WsMessagePtr message) {
        if (std::shared_ptr<Connection> c = weak.lock()) c->OnMessage(message);
      });
  // No pong for a congested socket's pings: it would queue behind what the
  // client does not read.
  con->set_ping_handler([weak](websocketpp::connection_hdl, std::string) {
    std::shared_ptr<Connection> c = weak.lock();
    return c != nullptr && !c->congested();
  });
  con->set_close_handler([this, weak](websocketpp::connection_hdl) {
    std::shared_ptr<Connection> c = weak.lock();
    if (c == nullptr) return;
    c->OnClose();
    absl::MutexLock lock(&mu_);
    connections_.erase(c.get());
  });
}

template <typename ConnectionPtr>
void BridgeServer::Http(const ConnectionPtr& con) {
  auto [path, query] = SplitTarget(con->get_resource());
  const std::string& method = con->get_request().get_method();
  con->append_header("X-Content-Type-Options", "nosniff");
  if (method != "GET" && method != "HEAD") {
    con->set_status(http::status_code::method_not_allowed);
    con->append_header("Allow", "GET, HEAD");
    return;
  }
  if (path == "/healthz") {
    con->replace_header("Content-Type", "text/plain; charset=utf-8");
    con->replace_header("Cache-Control", "no-store");
    if (con->defer_http_response()) {
      con->set_status(http::status_code::internal_server_error);
      return;
    }
    backend_.CheckHealth([con](bool serving) {
      boost::asio::post(*con->get_strand(), [con, serving] {
        con->set_status(serving ? http::status_code::ok
                                : http::status_code::service_unavailable);
        con->set_body(serving ? "SERVING\n" : "NOT_SERVING\n");
        websocketpp::lib::error_code ignored;
        con->send_http_response(ignored);
      });
    });
    return;
  }
  if (path == "/metrics" && options_.serve_metrics) {
    con->set_status(http::status_code::ok);
    con->replace_header("Content-Type", "text/plain; version=0.0.4");
    con->replace_header("Cache-Control", "no-store");
    con->set_body(method == "HEAD" ? std::string() : RenderMetrics(Stats()));
    return;
  }
  if (path == "/ws") {
    con->set_status(http::status_code::upgrade_required);
    con->replace_header("Upgrade", "websocket");
    con->set_body("/ws speaks websocket only\n");
    return;
  }
  StaticResponse response = files_.Serve(
      con->get_resource(), con->get_request_header("If-None-Match"));
  con->set_status(static_cast<http::status_code::value>(response.status));
  con->replace_header("Content-Type", response.content_type);
  con->replace_header("Cache-Control", response.cache_control);
  if (!response.etag.empty()) con->replace_header("ETag", response.etag);
  if (method == "HEAD") response.body.clear();
  con->set_body(std::move(response.body));
}

template <typename ConnectionPtr>
void BridgeServer::HandshakeFailed(const ConnectionPtr& con) {
  const websocketpp::lib::error_code ec = con->get_ec();
  if (!IsTlsHandshakeError(ec)) return;
  counters_.tls_handshakes_failed++;
  // Debug only: anyone can make these by connecting with plain HTTP.
  server::Log(
      server::LogLevel::kDebug,
      absl::StrCat("tls handshake failed peer=", con->get_remote_endpoint(),
                   " error=\"", ec.message(), "\""));
}

void BridgeServer::ArmPingTimer() {
  ping_timer_.expires_after(
      std::chrono::milliseconds(Millis(options_.ping_interval)));
  ping_timer_.async_wait([this](const boost::system::error_code& ec) {
    // A wait that completed just before Shutdown's cancel must not start
    // another: the io threads would not run out of work.
    if (ec || Stopping()) return;
    for (const std::shared_ptr<Connection>& c : Connections()) {
      c->Post([c] { c->Ping(); });
    }
    ArmPingTimer();
  });
}

bool BridgeServer::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void BridgeServer::StopAccepting() {
  if (port_ == 0) return;  // never listened
  // Any address the acceptor is bound to will do, loopback for a wildcard.
  boost::asio::ip::tcp::endpoint to = local_endpoint_;
  if (to.address().is_unspecified()) {
    to.address(
        to.address().is_v6()
            ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
            : boost::asio::ip::address(
                  boost::asio::ip::address_v4::loopback()));
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  bool connected = false;
  socket.async_connect(to, [&connected](const boost::system::error_code& ec) {
    connected = !ec;
  });
  io.run_for(std::chrono::seconds(1));
  if (connected) return;  // the accept loop closes the acceptor
  // No connection (out of descriptors, say): close it from here, which is
  // safe unless a client connects at this very moment.
  server::Log(server::LogLevel::kWarning,
              "shutdown: could not wake the accept loop; closing the "
              "listening socket directly");
  boost::asio::post(io_, [this] {
    std::visit(
        [](auto& server) {
          websocketpp::lib::error_code ignored;
          server->stop_listening(ignored);
        },
        server_);
  });
}

std::vector<std::shared_ptr<Connection>> BridgeServer::Connections() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (const auto& [key, conn] : connections_) all.push_back(conn);
  return all;
}

BridgeStats BridgeServer::Stats() const {
  BridgeStats stats;
  {
    absl::MutexLock lock(&mu_);
    stats.connections = static_cast<int>(connections_.size());
    for (const auto& [key, conn] : connections_) {
      if (conn->congested()) ++stats.congested_connections;
    }
  }
  stats.connections_opened = counters_.connections_opened.load();
  stats.handshakes_rejected = counters_.handshakes_rejected.load();
  stats.tls_handshakes_failed = counters_.tls_handshakes_failed.load();
  stats.frames_received = counters_.frames_received.load();
  stats.upstreams = upstreams_.size();
  stats.paused_upstreams = counters_.paused_upstreams.load();
  stats.upstreams_opened = counters_.upstreams_opened.load();
  stats.unary_calls = counters_.unary_calls.load();
  stats.unary_calls_in_flight = backend_.calls_in_flight();
  stats.updates_sent = counters_.updates_sent.load();
  stats.updates_skipped = counters_.updates_skipped.load();
  stats.updates_folded = counters_.updates_folded.load();
  stats.catchups_sent = counters_.catchups_sent.load();
  stats.pauses = counters_.pauses.load();
  stats.max_buffered_seen = counters_.max_buffered_seen.load();
  stats.buffered_bytes = counters_.buffered_bytes.load();
  stats.budget_holds = counters_.budget_holds.load();
  stats.closed_unread = counters_.closed_unread.load();
  return stats;
}

void BridgeServer::PostForTesting(std::function<void()> fn) {
  boost::asio::post(io_, std::move(fn));
}

void BridgeServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  StopAccepting();
  boost::asio::post(ping_strand_, [this] { ping_timer_.cancel(); });
  for (const std::shared_ptr<Connection>& c : Connections()) {
    c->Post([c] { c->CloseForShutdown(); });
  }
  upstreams_.CancelAll();
  backend_.Stop();
  {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return running_threads_ == 0;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&done), kShutdownWait))
      io_.stop();
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  backend_.WaitIdle(kShutdownWait);
  // Handlers that gRPC posted after the io threads returned: run them (they
  // only find closed sockets) rather than destroy them half-way.
  io_.restart();
  io_.poll();
  absl::MutexLock lock(&mu_);
  connections_.clear();
}

BridgeServer::~BridgeServer() { Shutdown(); }

}  // namespace pulse::bridge
