// pulse-server: the gRPC AnalyticsService over one RocksDB database.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "server/command_line.h"
#include "server/log.h"
#include "server/pulse_server.h"

ABSL_FLAG(
    std::string, listen, "127.0.0.1:50051",
    "Address to serve gRPC on; port 0 picks a free port (see --port_file).");
ABSL_FLAG(
    std::string, metrics_listen, "",
    "If set (e.g. 127.0.0.1:9090), Prometheus metrics are served over HTTP "
    "at /metrics there.");
ABSL_FLAG(std::string, data_dir, "./pulse-data", "RocksDB data directory.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving.");
ABSL_FLAG(absl::Duration, retention_second, absl::Hours(2),
          "How long second buckets are kept ('inf' keeps them forever).");
ABSL_FLAG(absl::Duration, retention_minute, absl::Hours(24 * 14),
          "How long minute buckets are kept.");
ABSL_FLAG(absl::Duration, retention_hour, absl::Hours(24 * 400),
          "How long hour buckets are kept.");
ABSL_FLAG(absl::Duration, retention_day, absl::InfiniteDuration(),
          "How long day buckets are kept (all-time totals are always kept).");
ABSL_FLAG(absl::Duration, dedupe_retention, absl::Hours(24),
          "How long event ids and producer sequences are remembered.");
ABSL_FLAG(int, max_batch_items, 10'000,
          "Most posts + engagements + follows in one IngestRequest.");
ABSL_FLAG(std::vector<std::string>, windows,
          std::vector<std::string>({"5m", "1h", "24h"}),
          "Sliding windows offered by TopPosts and TrendingHashtags.");
ABSL_FLAG(absl::Duration, boards_rebuild_wait, absl::Seconds(1),
          "At start-up, how long to wait for the boards to be rebuilt from "
          "storage before serving without them: TopPosts and "
          "TrendingHashtags answer UNAVAILABLE until they are ready. 0: "
          "serve at once; inf: wait for them.");
ABSL_FLAG(int, worker_threads, 8, "Threads that run storage work for RPCs.");
ABSL_FLAG(int, max_queued_requests, 4096,
          "Requests waiting for a worker before RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_receive_message_bytes, 64 << 20,
          "Largest accepted request.");
ABSL_FLAG(bool, sync_writes, false,
          "fsync the WAL before acknowledging (survives power loss, not only "
          "a process crash; slower).");
ABSL_FLAG(std::string, wal_recovery, "strict",
          "Damage inside a write-ahead log at start-up: strict stops start-up "
          "(DATA_LOSS), salvage replays up to the damage and drops the rest, "
          "acknowledged batches included. A torn last record (a crash, a "
          "power loss) is skipped either way.");
ABSL_FLAG(int, post_cache_entries, 1'000'000, "Post metadata kept in memory.");
ABSL_FLAG(int, block_cache_mb, 256,
          "RocksDB block cache shared by every column family, in MiB; 0 "
          "leaves RocksDB's small per-column-family default.");
ABSL_FLAG(int, counters_memtable_mb, 32,
          "Memtable of the counters column family, in MiB (RocksDB keeps up "
          "to two): every merge operand of ingest goes into it.");
ABSL_FLAG(std::string, counters_compaction, "leveled",
          "How the counters column family is compacted: leveled, or "
          "universal (less CPU at sustained ingest; a full compaction needs "
          "as much free disk again as the family holds).");
ABSL_FLAG(int, max_subscriptions, 20'000,
          "Most live Subscribe streams at once.");
ABSL_FLAG(int, max_subscription_items, 1'000,
          "Most posts + accounts + hashtags one subscription may watch.");
ABSL_FLAG(std::string, backup_dir, "",
          "Where AdminService.CreateBackup (`pulse backup create`) writes "
          "RocksDB backups; created if missing. Empty: backups are refused. "
          "Must not be inside --data_dir.");
ABSL_FLAG(int, backup_keep, 0,
          "After each backup, delete all but the newest this many (0 keeps "
          "all).");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error.");
ABSL_FLAG(std::string, auth, "auto",
          "auto, on or off. auto: on when --auth_tokens is set or --listen is "
          "not a loopback address, off otherwise (with a warning).");
ABSL_FLAG(std::string, auth_tokens, "",
          "Token file: one 'TOKEN ROLE [ACCOUNT,ACCOUNT,...]' a line, ROLE "
          "ingest, read or admin, '#' comments; re-read on SIGHUP. Clients "
          "send 'authorization: Bearer TOKEN' metadata.");
ABSL_FLAG(double, ingest_rate_per_token, 100'000,
          "Posts + engagements + follows a second one token may ingest (bursts "
          "of one second's worth); over it, RESOURCE_EXHAUSTED with "
          "retry-after-ms. 0: no limit. Applies when auth is on.");
ABSL_FLAG(int, max_subscriptions_per_token, 1'000,
          "Most open Subscribe streams per token (0: no limit). Applies when "
          "auth is on.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain; with --tls_key the server speaks TLS only.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(int, max_concurrent_streams, 20'000,
          "Most concurrent calls on one client connection (a bridge carries "
          "its subscriptions on one).");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "Ping a connection idle this long; drop it if the ping is not "
          "answered within --keepalive_timeout.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "How long a keepalive ping may go unanswered.");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(10),
          "Clients pinging more often are sent GOAWAY (too_many_pings) after "
          "two offences.");

namespace {

using pulse::server::Log;
using pulse::server::LogLevel;

int Fail(const std::string& message) {
  Log(LogLevel::kError, message);
  return 1;
}

// True when `path` is `dir` or lies under it (lexically, symlinks resolved
// where they exist). Both are made absolute first: weakly_canonical leaves a
// relative path whose first element does not exist yet relative, and the
// answer would change once the directories were made.
bool IsWithin(const std::string& path, const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(
      std::filesystem::absolute(path, ec), ec);
  std::filesystem::path d =
      std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  // "data/" ends in an empty element that "data/backups" does not have.
  if (!d.has_filename()) d = d.parent_path();
  auto [d_end, p_end] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  (void)p_end;
  return d_end == d.end();
}

}  // namespace

int main(int argc, char** argv) {
  pulse::server::ParseFlagsOnly(
      argc, argv,
      "Pulse analytics gRPC server.\n"
      "Usage: pulse-server [--listen=127.0.0.1:50051] "
      "[--data_dir=./pulse-data] ...\n"
      "Any flag may also come from a file: --flagfile=FILE, one --name=value a "
      "line.",
      "server/server_main.cc");
  pulse::server::DisableMutexDeadlockDetection();

  if (absl::Status level =
          pulse::server::SetLogLevelByName(absl::GetFlag(FLAGS_log_level));
      !level.ok()) {
    return Fail(std::string(level.message()));
  }
  // Before any check that may stop start-up, so the log shows what it read.
  Log(LogLevel::kInfo,
      absl::StrCat("flags: ", pulse::server::EffectiveFlags("server_main.cc")));

  pulse::server::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.store.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.store.second_retention = absl::GetFlag(FLAGS_retention_second);
  options.store.minute_retention = absl::GetFlag(FLAGS_retention_minute);
  options.store.hour_retention = absl::GetFlag(FLAGS_retention_hour);
  options.store.day_retention = absl::GetFlag(FLAGS_retention_day);
  options.store.dedupe_retention = absl::GetFlag(FLAGS_dedupe_retention);
  options.store.sync_writes = absl::GetFlag(FLAGS_sync_writes);
  options.store.post_cache_entries = absl::GetFlag(FLAGS_post_cache_entries);
  const int block_cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  if (block_cache_mb < 0) return Fail("--block_cache_mb: must be >= 0");
  options.store.block_cache_bytes = static_cast<size_t>(block_cache_mb) << 20;
  const int counters_memtable_mb = absl::GetFlag(FLAGS_counters_memtable_mb);
  if (counters_memtable_mb < 1 || counters_memtable_mb > 4096) {
    return Fail("--counters_memtable_mb: must be in [1, 4096]");
  }
  options.store.counters_memtable_bytes =
      static_cast<size_t>(counters_memtable_mb) << 20;
  const std::string wal_recovery = absl::GetFlag(FLAGS_wal_recovery);
  if (wal_recovery != "strict" && wal_recovery != "salvage") {
    return Fail(absl::StrCat("--wal_recovery: '", wal_recovery,
                             "' is neither strict nor salvage"));
  }
  options.store.salvage_wal = wal_recovery == "salvage";
  const std::string compaction = absl::GetFlag(FLAGS_counters_compaction);
  if (compaction == "universal") {
    options.store.counters_compaction =
        pulse::storage::StoreOptions::Compaction::kUniversal;
  } else if (compaction != "leveled") {
    return Fail(absl::StrCat("--counters_compaction: '", compaction,
                             "' is neither leveled nor universal"));
  }
  options.max_batch_items = absl::GetFlag(FLAGS_max_batch_items);
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.max_queued_requests = absl::GetFlag(FLAGS_max_queued_requests);
  options.max_receive_message_bytes =
      absl::GetFlag(FLAGS_max_receive_message_bytes);
  options.subscriptions.max_subscriptions =
      absl::GetFlag(FLAGS_max_subscriptions);
  options.subscriptions.max_watched_items =
      absl::GetFlag(FLAGS_max_subscription_items);
  const std::string auth = absl::GetFlag(FLAGS_auth);
  if (auth == "auto") {
    options.auth = pulse::server::AuthMode::kAuto;
  } else if (auth == "on") {
    options.auth = pulse::server::AuthMode::kOn;
  } else if (auth == "off") {
    options.auth = pulse::server::AuthMode::kOff;
  } else {
    return Fail(absl::StrCat("--auth: '", auth, "' is not auto, on or off"));
  }
  options.auth_tokens = absl::GetFlag(FLAGS_auth_tokens);
  options.auth_limits.ingest_rate_per_token =
      absl::GetFlag(FLAGS_ingest_rate_per_token);
  options.auth_limits.max_subscriptions_per_token =
      absl::GetFlag(FLAGS_max_subscriptions_per_token);
  if (options.auth_limits.ingest_rate_per_token < 0)
    return Fail("--ingest_rate_per_token: must be >= 0");
  if (options.auth_limits.max_subscriptions_per_token < 0)
    return Fail("--max_subscriptions_per_token: must be >= 0");
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  if (options.max_concurrent_streams < 1)
    return Fail("--max_concurrent_streams: must be >= 1");
  options.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  options.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  options.min_client_ping_interval =
      absl::GetFlag(FLAGS_min_client_ping_interval);
  for (auto [name, d] :
       {std::pair{"--keepalive_time", options.keepalive_time},
        {"--keepalive_timeout", options.keepalive_timeout},
        {"--min_client_ping_interval", options.min_client_ping_interval}}) {
    if (d < absl::Milliseconds(1) || d > absl::Hours(24 * 24)) {
      return Fail(absl::StrCat(name, ": must be in [1ms, 24d]"));
    }
  }
  options.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  const int backup_keep = absl::GetFlag(FLAGS_backup_keep);
  if (backup_keep < 0) return Fail("--backup_keep: must be >= 0");
  options.backup_keep = static_cast<uint32_t>(backup_keep);
  if (!options.backup_dir.empty() &&
      IsWithin(options.backup_dir, options.store.data_dir)) {
    return Fail("--backup_dir: must not be --data_dir or inside it");
  }
  if (!options.backup_dir.empty() &&
      IsWithin(options.store.data_dir, options.backup_dir)) {
    return Fail("--backup_dir: must not hold --data_dir");
  }
  options.windows.clear();
  for (const std::string& w : absl::GetFlag(FLAGS_windows)) {
    absl::Duration d;
    if (!absl::ParseDuration(w, &d) || d <= absl::ZeroDuration() ||
        d > absl::Hours(24 * 7)) {
      return Fail(
          absl::StrCat("--windows: '", w, "' is not a duration in (0, 168h]"));
    }
    options.windows.push_back(d);
  }
  if (options.windows.empty())
    return Fail("--windows: at least one window is needed");
  options.boards_rebuild_wait = absl::GetFlag(FLAGS_boards_rebuild_wait);
  if (options.boards_rebuild_wait < absl::ZeroDuration())
    return Fail("--boards_rebuild_wait: must be >= 0");
  // Integer limits: a negative one would read as "unlimited" somewhere
  // (gRPC's message size, the worker queue as a size_t).
  for (const auto& [name, value, low, high] :
       {std::tuple{"--max_batch_items", options.max_batch_items, 1, 1'000'000},
        // The pool gives background work (subscription updates) half.
        {"--max_queued_requests", options.max_queued_requests, 2, 1'000'000},
        {"--worker_threads", options.worker_threads, 1, 1024},
        {"--max_receive_message_bytes", options.max_receive_message_bytes, 1024,
         std::numeric_limits<int>::max()},
        {"--max_subscriptions", options.subscriptions.max_subscriptions, 0,
         1'000'000},
        {"--max_subscription_items", options.subscriptions.max_watched_items, 1,
         1'000'000},
        {"--post_cache_entries", absl::GetFlag(FLAGS_post_cache_entries), 0,
         std::numeric_limits<int>::max()}}) {
    if (value < low || value > high) {
      return Fail(absl::StrCat(name, ": must be in [", low, ", ", high,
                               "], got ", value));
    }
  }
  for (const auto& [name, r] :
       {std::pair{"--retention_second", options.store.second_retention},
        {"--retention_minute", options.store.minute_retention},
        {"--retention_hour", options.store.hour_retention},
        {"--retention_day", options.store.day_retention},
        {"--dedupe_retention", options.store.dedupe_retention}}) {
    if (r <= absl::ZeroDuration())
      return Fail(absl::StrCat(name, ": must be positive"));
  }

  // Signals are taken by sigwait below; every thread started later inherits
  // the mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<pulse::server::PulseServer>> server =
      pulse::server::PulseServer::Start(options);
  if (!server.ok())
    return Fail(absl::StrCat("cannot start: ", server.status().ToString()));

  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    // Written whole then renamed, so a reader never sees a partial number.
    const std::string tmp = port_file + ".tmp";
    // The gRPC port, then the metrics port (0 when not served).
    std::ofstream(tmp) << (*server)->port() << "\n"
                       << (*server)->metrics_port() << "\n";
    if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      return Fail(absl::StrCat("cannot write --port_file ", port_file));
    }
  }
  Log(LogLevel::kInfo,
      absl::StrCat("pulse-server serving port=", (*server)->port(), " listen=",
                   options.listen, " data_dir=", options.store.data_dir));

  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
    if (!(*server)->auth_enabled()) {
      Log(LogLevel::kInfo, "SIGHUP ignored: auth is off");
    } else if (absl::Status s = (*server)->ReloadAuth(); s.ok()) {
      Log(LogLevel::kInfo, absl::StrCat("auth tokens reloaded file=",
                                        absl::GetFlag(FLAGS_auth_tokens)));
    } else {
      Log(LogLevel::kError,
          absl::StrCat("auth tokens reload failed, keeping the previous "
                       "tokens: ",
                       s.message()));
    }
  }
  Log(LogLevel::kInfo, absl::StrCat("shutting down signal=", signal));
  (*server)->Shutdown();
  Log(LogLevel::kInfo, "stopped cleanly");
  return 0;
}
