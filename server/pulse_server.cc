#include "server/pulse_server.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/host_port.h"
#include "server/log.h"

namespace pulse::server {
namespace {

// How often expired activity is compacted (Store::CompactExpiredActivity):
// second buckets are kept 2 h by default, so they go within 2 h 10 min.
constexpr absl::Duration kExpiryInterval = absl::Minutes(10);
// How often the store, while its writes fail, is asked to recover (it backs
// off by itself: Store::Recover).
constexpr absl::Duration kRecoveryPoll = absl::Seconds(1);

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view flag) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read a PEM file at ", path));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const ServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key: set both or neither");
  }
  if (options.tls_cert.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadPem(options.tls_cert, "--tls_cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(options.tls_key, "--tls_key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::unique_ptr<Authenticator>> MakeAuthenticator(
    const ServerOptions& options) {
  const bool loopback = IsLoopbackAddress(options.listen);
  bool on = options.auth == AuthMode::kOn;
  if (options.auth == AuthMode::kAuto) {
    on = !options.auth_tokens.empty() || !loopback;
  }
  if (!on) {
    if (!options.auth_tokens.empty()) {
      return absl::InvalidArgumentError(
          "--auth_tokens is set but --auth=off: drop one of them");
    }
    Log(loopback ? LogLevel::kWarning : LogLevel::kError,
        absl::StrCat(
            "auth off: every client that reaches ", options.listen,
            " may ingest, read and administer",
            loopback ? " (loopback only)" : "; this address is not loopback"));
    return std::make_unique<Authenticator>(options.auth_limits);
  }
  if (options.auth_tokens.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "auth is on (", loopback ? "--auth=on" : "--listen is not loopback",
        ") but --auth_tokens is not set; give a token file, or --auth=off "
        "to let everyone in"));
  }
  absl::StatusOr<std::unique_ptr<Authenticator>> auth =
      Authenticator::FromFile(options.auth_tokens, options.auth_limits);
  if (auth.ok() && options.tls_cert.empty() && !loopback) {
    Log(LogLevel::kWarning,
        "auth on without TLS on a non-loopback address: tokens travel in "
        "clear text (set --tls_cert and --tls_key)");
  }
  return auth;
}

void AddChannelLimits(const ServerOptions& options,
                      grpc::ServerBuilder* builder) {
  builder->SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                              options.max_concurrent_streams);
  builder->AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  builder->AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(
          absl::ToInt64Milliseconds(options.min_client_ping_interval)));
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
}

}  // namespace

bool IsLoopbackAddress(absl::string_view listen) {
  absl::string_view host = listen;
  if (size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<std::unique_ptr<PulseServer>> PulseServer::Start(
    const ServerOptions& options) {
  if (absl::StatusOr<HostPort> listen =
          ParseHostPort(options.listen, "--listen");
      !listen.ok()) {
    return listen.status();
  }
  std::unique_ptr<PulseServer> server(new PulseServer);
  server->options_ = options;

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<Authenticator>> auth =
      MakeAuthenticator(options);
  if (!auth.ok()) return auth.status();
  server->auth_ = std::move(*auth);

  if (!options.backup_dir.empty()) {
    // Now rather than at the first backup, so that a bad path stops start-up.
    std::error_code ec;
    std::filesystem::create_directories(options.backup_dir, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "creating --backup_dir ", options.backup_dir, ": ", ec.message()));
    }
    if (access(options.backup_dir.c_str(), W_OK | X_OK) != 0) {
      return absl::UnavailableError(
          absl::StrCat("--backup_dir ", options.backup_dir,
                       " cannot be written: ", std::strerror(errno)));
    }
  }
  const absl::Time open_start = absl::Now();
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open(options.store);
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);
  // After a crash most of it is RocksDB replaying the write-ahead log.
  Log(LogLevel::kInfo,
      absl::StrCat("storage opened duration=",
                   absl::FormatDuration(absl::Now() - open_start)));

  server->boards_ =
      std::make_unique<Boards>(options.windows, options.store.clock);
  // A large store takes seconds to rebuild from: ingest and the other
  // queries need not wait for it.
  if (absl::Status s = server->boards_->StartRebuild(*server->store_);
      !s.ok()) {
    return s;
  }
  // A rebuild that gave up (and logged why) leaves the server serving
  // without the boards, as one that gives up after the wait does.
  if (absl::Status s =
          server->boards_->WaitForRebuild(options.boards_rebuild_wait);
      absl::IsDeadlineExceeded(s)) {
    Log(LogLevel::kInfo,
        absl::StrCat(s.message(),
                     ": serving without them until done (TopPosts and "
                     "TrendingHashtags answer UNAVAILABLE meanwhile)"));
  }

  server->pool_ = std::make_unique<WorkerPool>(options.worker_threads,
                                               options.max_queued_requests);
  server->reader_ =
      std::make_unique<StatsReader>(server->store_.get(), options.store.clock);
  server->changes_ = std::make_unique<ChangeTracker>();
  server->hub_ = std::make_unique<SubscriptionHub>(
      options.subscriptions, server->changes_.get(), server->boards_.get(),
      server->reader_.get(), server->pool_.get(), options.store.clock);
  server->metrics_ = std::make_unique<ServerMetrics>();
  ServiceDeps deps;
  deps.metrics = server->metrics_.get();
  deps.store = server->store_.get();
  deps.boards = server->boards_.get();
  deps.pool = server->pool_.get();
  deps.reader = server->reader_.get();
  deps.changes = server->changes_.get();
  deps.hub = server->hub_.get();
  deps.clock = options.store.clock;
  deps.auth = server->auth_.get();
  deps.max_batch_items = options.max_batch_items;
  server->service_ = std::make_unique<AnalyticsService>(deps);
  AdminDeps admin;
  admin.store = server->store_.get();
  admin.pool = server->pool_.get();
  admin.metrics = server->metrics_.get();
  admin.auth = server->auth_.get();
  admin.backup_dir = options.backup_dir;
  admin.backup_keep = options.backup_keep;
  admin.data_dir = options.store.data_dir;
  server->admin_ = std::make_unique<AdminService>(admin);

  // Linking health.proto's generated code lets reflection describe the
  // built-in health service; referencing it keeps the linker from dropping it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &server->port_);
  // gRPC sets SO_REUSEPORT by default: a second server on a port in use
  // would start and take half of the connections to a database of its own.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  AddChannelLimits(options, &builder);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->admin_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        " (is the port in use, or the host not an address of this machine?)"));
  }
  grpc::HealthCheckServiceInterface* health =
      server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus(true);
  // By name too, for probes that ask for a service (grpc_health_probe
  // -service, Kubernetes' gRPC probes); SetServingStatus(false) at shutdown
  // covers them.
  for (const char* name : {v1::AnalyticsService::service_full_name(),
                           v1::AdminService::service_full_name()}) {
    health->SetServingStatus(name, true);
  }
  server->maintenance_ = std::thread([s = server.get()] {
    NameThisThread("pulse-maint");
    absl::Time next_expiry = absl::Now() + kExpiryInterval;
    while (
        !s->stop_maintenance_.WaitForNotificationWithTimeout(kRecoveryPoll)) {
      // The store logs what fails and what recovers.
      s->store_->Recover().IgnoreError();
      if (absl::Now() < next_expiry) continue;
      if (absl::Status e = s->store_->CompactExpiredActivity(); !e.ok()) {
        Log(LogLevel::kWarning,
            absl::StrCat("compacting expired activity failed: ", e.ToString()));
      }
      next_expiry = absl::Now() + kExpiryInterval;
    }
  });
  if (!options.metrics_listen.empty()) {
    PulseServer* s = server.get();
    absl::StatusOr<std::unique_ptr<HttpEndpoint>> http = HttpEndpoint::Start(
        options.metrics_listen, [s] { return s->RenderMetrics(); });
    if (!http.ok()) return http.status();
    server->http_ = std::move(*http);
  }
  return server;
}

PulseServer::~PulseServer() { Shutdown(); }

absl::Status PulseServer::ReloadAuth() { return auth_->Reload(); }

std::string PulseServer::RenderMetrics() const {
  std::vector<ServerMetrics::Gauge> gauges = {
      {"pulse_subscriptions", "Live Subscribe streams.",
       static_cast<double>(hub_->size())},
      {"pulse_boards_ready",
       "1 once the boards (TopPosts, TrendingHashtags) are rebuilt from "
       "storage after start-up; 0 before, or if that failed.",
       boards_->ready() ? 1.0 : 0.0},
      {"pulse_subscription_updates_sent",
       "Updates written to Subscribe streams (counter).",
       static_cast<double>(hub_->sent())},
      {"pulse_subscription_changes_merged",
       "Changes merged into a later update rather than sent apart (counter).",
       static_cast<double>(hub_->merged())},
      {"pulse_subscription_post_reads",
       "Post reads of subscription updates that went to the store "
       "(counter).",
       static_cast<double>(hub_->post_reads())},
      {"pulse_subscription_post_reads_shared",
       "Post reads of subscription updates answered from another "
       "subscription's read of the same change in the same second "
       "(counter).",
       static_cast<double>(hub_->post_reads_shared())},
      {"pulse_subscription_boards_shared",
       "Top-posts boards of subscription updates answered from another "
       "subscription's, computed for the same request (and accounts) since "
       "the boards last changed, within a second (counter).",
       static_cast<double>(hub_->boards_shared())},
  };
  for (const auto& [name, value] : store_->Stats()) {
    std::string metric = "pulse_" + name;
    for (char& c : metric) {
      if (c == '.' || c == '-') c = '_';
    }
    const std::string help = absl::StartsWith(name, "rocksdb.")
                                 ? absl::StrCat("RocksDB property ", name, ".")
                                 : absl::StrCat("Storage figure ", name, ".");
    gauges.push_back({metric, help, static_cast<double>(value)});
  }
  return metrics_->Render(gauges);
}

void PulseServer::Shutdown() {
  http_.reset();  // its thread reads the parts below
  if (!stop_maintenance_.HasBeenNotified()) stop_maintenance_.Notify();
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    hub_->Shutdown();  // Server::Shutdown waits for open streams: end them
    // ... and for unary calls: a Compact or a backup could run for minutes.
    store_->CancelCompactions();
    admin_->StopBackups();
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
    grpc_server_->Wait();
    grpc_server_.reset();
  }
  // Its compaction is cancelled with the others.
  if (maintenance_.joinable()) maintenance_.join();
  admin_.reset();
  service_.reset();
  metrics_.reset();
  hub_.reset();   // every subscription is done: the timer has nothing to wake
  pool_.reset();  // runs what is queued (nothing: every call has finished)
  changes_.reset();
  reader_.reset();
  boards_.reset();
  store_.reset();
}

}  // namespace pulse::server
