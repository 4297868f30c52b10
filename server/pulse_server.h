// The whole pulse-server process minus flag parsing: store, boards, worker
// pool, gRPC services (analytics and admin), health and reflection, started
// and stopped together.
#ifndef PULSE_SERVER_PULSE_SERVER_H_
#define PULSE_SERVER_PULSE_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/admin_service.h"
#include "server/analytics_service.h"
#include "server/auth.h"
#include "server/boards.h"
#include "server/change_tracker.h"
#include "server/http_endpoint.h"
#include "server/metrics.h"
#include "server/stats_reader.h"
#include "server/subscription_hub.h"
#include "server/worker_pool.h"
#include "storage/store.h"

namespace pulse::server {

// Whether calls need a token.
enum class AuthMode {
  kAuto,  // on when a token file is given or the address is not loopback
  kOn,
  kOff,
};

// pulse-server's settings; the flags of server_main.cc map onto these.
struct ServerOptions {
  std::string listen = "127.0.0.1:50051";
  AuthMode auth = AuthMode::kAuto;
  // The token file (see server/auth.h); empty: none.
  std::string auth_tokens;
  AuthLimits auth_limits;
  // PEM files; both or neither. Set: the server speaks TLS only.
  std::string tls_cert;
  std::string tls_key;
  // Most concurrent streams (calls) on one client connection.
  int max_concurrent_streams = 20'000;
  // The server pings a connection idle this long, and drops it when the
  // ping is not answered within keepalive_timeout.
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Clients pinging more often than this are told to stop (GOAWAY
  // too_many_pings) after two offences.
  absl::Duration min_client_ping_interval = absl::Seconds(10);
  // Where to serve Prometheus metrics over HTTP; empty: not served.
  std::string metrics_listen;
  storage::StoreOptions store;
  std::vector<absl::Duration> windows = {absl::Minutes(5), absl::Hours(1),
                                         absl::Hours(24)};
  // How long Start waits for the boards' rebuild before serving without
  // them (they then answer UNAVAILABLE until it is done).
  absl::Duration boards_rebuild_wait = absl::Seconds(1);
  int max_batch_items = 10'000;
  SubscriptionLimits subscriptions;
  int worker_threads = 8;
  size_t max_queued_requests = 4096;
  int max_receive_message_bytes = 64 << 20;
  // Where AdminService.CreateBackup writes backups (created at start-up);
  // empty: backups are refused.
  std::string backup_dir;
  // After each backup, delete all but the newest this many (0: keep all).
  uint32_t backup_keep = 0;
  // How long Shutdown lets in-flight calls finish before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(5);
};

// True when `listen` (HOST:PORT) names a loopback host: 127.0.0.0/8, [::1]
// or localhost.
bool IsLoopbackAddress(absl::string_view listen);

// A running server. Thread-safe.
class PulseServer {
 public:
  // Opens the store, starts rebuilding the boards and waits for that up to
  // options.boards_rebuild_wait, starts listening. Blocks on disk I/O.
  static absl::StatusOr<std::unique_ptr<PulseServer>> Start(
      const ServerOptions& options);
  // Shuts down if still running.
  ~PulseServer();

  // The bound port (useful with a listen address ending in ":0").
  int port() const { return port_; }
  // The metrics endpoint's port; 0 when not served.
  int metrics_port() const { return http_ == nullptr ? 0 : http_->port(); }

  // The Prometheus text exposition of the server's metrics now.
  std::string RenderMetrics() const;

  // Re-reads the token file (SIGHUP); keeps the old tokens on error. OK and
  // nothing done when auth is off.
  absl::Status ReloadAuth();
  bool auth_enabled() const { return auth_->enabled(); }

  // Stops accepting calls, aborts a running Compact, lets in-flight calls
  // finish (cancelling them after the grace period), then closes the store.
  // Blocks; idempotent.
  void Shutdown();

 private:
  PulseServer() = default;

  ServerOptions options_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Boards> boards_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<StatsReader> reader_;
  std::unique_ptr<ChangeTracker> changes_;
  std::unique_ptr<SubscriptionHub> hub_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<AnalyticsService> service_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<HttpEndpoint> http_;
  std::unique_ptr<grpc::Server> grpc_server_;
  // Until stop_maintenance_: retries failing writes' recovery every
  // kRecoveryPoll (Store::Recover), so that the store recovers with no
  // ingest arriving, and compacts expired activity every kExpiryInterval
  // (Store::CompactExpiredActivity).
  absl::Notification stop_maintenance_;
  std::thread maintenance_;
  int port_ = 0;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_PULSE_SERVER_H_
