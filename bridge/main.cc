// pulse-bridge: the dashboard's HTTP files and the /ws JSON-RPC websocket in
// front of pulse-server.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bridge/bridge_server.h"
#include "server/command_line.h"
#include "server/log.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8080",
          "host:port for HTTP and websockets; port 0 picks a free port (see "
          "--port_file).");
ABSL_FLAG(std::string, backend, "127.0.0.1:50051",
          "pulse-server's gRPC address.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain; with --tls_key the bridge serves wss:// and "
          "https:// (TLS 1.2+) instead of ws:// and http://.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key (unencrypted) of --tls_cert.");
ABSL_FLAG(std::string, backend_tls_ca, "",
          "PEM root certificates: if set, the backend connection uses TLS and "
          "trusts only these; empty, plaintext.");
ABSL_FLAG(int, threads, 2, "io threads running websocketpp.");
ABSL_FLAG(std::string, web_root, "clients/web",
          "Directory of the dashboard's files; a relative path is relative to "
          "the working directory. Empty serves no files.");
ABSL_FLAG(
    std::vector<std::string>, allowed_origins, {},
    "Origins allowed to open /ws (e.g. https://dash.example.com), '*' for any; "
    "empty allows only the bridge's own address, when the page names it by "
    "IP address or localhost (a host name must be listed: DNS rebinding).");
ABSL_FLAG(int64_t, max_frame_bytes, 64 << 10,
          "Largest incoming websocket frame; a larger one closes the socket "
          "with 1009.");
ABSL_FLAG(int, max_subscriptions, 64, "Live subscriptions per connection.");
ABSL_FLAG(
    int64_t, max_buffered_bytes, 1 << 20,
    "Bytes queued on a socket above which its subscriptions stop being read.");
ABSL_FLAG(int64_t, max_total_buffered_bytes, int64_t{1} << 30,
          "Bytes queued on all sockets together above which each socket's "
          "bound is this / --max_connections instead of "
          "--max_buffered_bytes.");
ABSL_FLAG(int, max_connections, 10'000, "Open websockets at once.");
ABSL_FLAG(int, upstream_window_bytes, 32 << 10,
          "HTTP/2 flow-control window of each Subscribe stream from the "
          "server: updates in transit before the server merges them.");
ABSL_FLAG(int, upstream_connections, 4,
          "HTTP/2 connections to the server that Subscribe streams are dealt "
          "to, 1 to 64.");
ABSL_FLAG(absl::Duration, upstream_keepalive_time, absl::Seconds(30),
          "Ping each connection to the server after this long without "
          "activity; not shorter than the server's --min_client_ping_interval "
          "(10s by default), or the server sends the bridge away "
          "(too_many_pings).");
ABSL_FLAG(absl::Duration, upstream_keepalive_timeout, absl::Seconds(20),
          "A connection to the server whose ping is not answered within this "
          "is closed: its calls fail and its subscriptions end "
          "(subscriptionEnded).");
ABSL_FLAG(int, max_inflight_calls, 32, "Unary calls in flight per connection.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10),
          "Deadline of each unary call.");
ABSL_FLAG(absl::Duration, ping_interval, absl::Seconds(30),
          "How often sockets are pinged.");
ABSL_FLAG(absl::Duration, pong_timeout, absl::Seconds(10),
          "A socket that does not answer a ping within this is closed.");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(5),
          "Time allowed for an HTTP request or websocket handshake.");
ABSL_FLAG(bool, serve_metrics, true,
          "Serve Prometheus metrics at GET /metrics on --listen "
          "(--noserve_metrics to turn off).");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written here once serving.");

int main(int argc, char** argv) {
  pulse::server::ParseFlagsOnly(
      argc, argv,
      "Pulse websocket bridge: serves the dashboard and /ws in front of "
      "pulse-server.\n"
      "Usage: pulse-bridge [--listen=127.0.0.1:8080] "
      "[--backend=127.0.0.1:50051] ...",
      "bridge/main.cc");
  pulse::server::DisableMutexDeadlockDetection();
  if (absl::Status level =
          pulse::server::SetLogLevelByName(absl::GetFlag(FLAGS_log_level));
      !level.ok()) {
    std::fprintf(stderr, "pulse-bridge: %s\n",
                 std::string(level.message()).c_str());
    return 1;
  }
  // Before any check that may stop start-up, so the log shows what it read.
  pulse::server::Log(
      pulse::server::LogLevel::kInfo,
      absl::StrCat("flags: ", pulse::server::EffectiveFlags("bridge/main.cc")));

  pulse::bridge::BridgeOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.backend = absl::GetFlag(FLAGS_backend);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.backend_tls_ca = absl::GetFlag(FLAGS_backend_tls_ca);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.web_root = absl::GetFlag(FLAGS_web_root);
  options.allowed_origins = absl::GetFlag(FLAGS_allowed_origins);
  const int64_t frame = absl::GetFlag(FLAGS_max_frame_bytes);
  const int64_t buffered = absl::GetFlag(FLAGS_max_buffered_bytes);
  const int64_t total = absl::GetFlag(FLAGS_max_total_buffered_bytes);
  if (frame < 0 || buffered < 0 || total < 0) {
    std::fprintf(stderr,
                 "--max_frame_bytes, --max_buffered_bytes and "
                 "--max_total_buffered_bytes must be >= 0\n");
    return 1;
  }
  options.max_frame_bytes = static_cast<size_t>(frame);
  options.max_buffered_bytes = static_cast<size_t>(buffered);
  options.max_total_buffered_bytes = static_cast<size_t>(total);
  options.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.max_inflight_calls = absl::GetFlag(FLAGS_max_inflight_calls);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.upstream_window_bytes = absl::GetFlag(FLAGS_upstream_window_bytes);
  options.upstream_connections = absl::GetFlag(FLAGS_upstream_connections);
  options.upstream_keepalive_time =
      absl::GetFlag(FLAGS_upstream_keepalive_time);
  options.upstream_keepalive_timeout =
      absl::GetFlag(FLAGS_upstream_keepalive_timeout);
  options.ping_interval = absl::GetFlag(FLAGS_ping_interval);
  options.pong_timeout = absl::GetFlag(FLAGS_pong_timeout);
  options.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.serve_metrics = absl::GetFlag(FLAGS_serve_metrics);

  // Signals are taken by sigwait below; the io and gRPC threads started later
  // inherit the mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Taken and logged, not fatal: operators send SIGHUP to pulse-server to
  // reload its tokens, and may send it to both.
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer that resets a socket must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  using pulse::server::Log;
  using pulse::server::LogLevel;
  absl::StatusOr<std::unique_ptr<pulse::bridge::BridgeServer>> bridge =
      pulse::bridge::BridgeServer::Start(options);
  if (!bridge.ok()) {
    Log(LogLevel::kError, absl::StrCat("cannot start error=\"",
                                       bridge.status().ToString(), "\""));
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*bridge)->port() << "\n";
    if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      Log(LogLevel::kError,
          absl::StrCat("cannot write --port_file path=", port_file));
      return 1;
    }
  }
  // The default is relative: started from another directory, the bridge
  // would answer 404 at / and say nothing.
  std::error_code fs_error;
  if (!options.web_root.empty() &&
      !std::filesystem::is_regular_file(
          std::filesystem::path(options.web_root) / "index.html", fs_error)) {
    Log(LogLevel::kWarning,
        absl::StrCat("no index.html in --web_root=", options.web_root,
                     " (working directory ",
                     std::filesystem::current_path(fs_error).string(),
                     "): the dashboard is not served"));
  }
  Log(LogLevel::kInfo,
      absl::StrCat(
          "pulse-bridge serving port=", (*bridge)->port(),
          " backend=", options.backend, " web_root=", options.web_root,
          " tls=", options.tls_cert.empty() ? "off" : "on",
          " backend_tls=", options.backend_tls_ca.empty() ? "off" : "on"));

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    Log(LogLevel::kInfo,
        "SIGHUP ignored: the bridge has nothing to reload (its tokens are "
        "the clients', checked by pulse-server)");
  }
  Log(LogLevel::kInfo, absl::StrCat("shutting down signal=", signal_number));
  (*bridge)->Shutdown();
  Log(LogLevel::kInfo, "stopped cleanly");
  return 0;
}
