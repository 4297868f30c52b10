#include "tools/soak/soak.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "tools/bench/child_process.h"
#include "tools/bench/fanout_setup.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"
#include "tools/bench/ws_fleet.h"
#include "tools/loadgen/firehose.h"
#include "tools/loadgen/names.h"
#include "tools/loadgen/rng.h"
#include "tools/loadgen/runner.h"
#include "tools/soak/latency_histogram.h"

namespace pulse::soak {
namespace {

// Acknowledgement times kept for the latency of late frames and for the
// stalest client: 10 minutes of 250 ms ticks.
constexpr size_t kMaxAcks = 2'400;
// How often the server's RocksDB memory is polled between samples.
constexpr absl::Duration kRocksDbPoll = absl::Seconds(1);

// State shared by the sampling (calling) thread, the marker ticker and the
// firehose runner.
struct Shared {
  explicit Shared(const std::atomic<bool>* stop) : external_stop(stop) {}

  const std::atomic<bool>* external_stop;
  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // acks[i] is the acknowledgement time of tick first_tick + i.
  std::deque<absl::Time> acks ABSL_GUARDED_BY(mu);
  int64_t first_tick ABSL_GUARDED_BY(mu) = 1;
  int64_t tick_errors ABSL_GUARDED_BY(mu) = 0;
  loadgen::RunStats runner_stats ABSL_GUARDED_BY(mu);
  bool runner_failed ABSL_GUARDED_BY(mu) = false;

  int64_t last_tick() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return first_tick + static_cast<int64_t>(acks.size()) - 1;
  }
  // The ack time of `tick`; nullopt when not acknowledged yet or forgotten.
  std::optional<absl::Time> AckOf(int64_t tick) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (tick < first_tick || tick > last_tick()) return std::nullopt;
    return acks[static_cast<size_t>(tick - first_tick)];
  }
};

// Condition for Shared::mu. The external stop flag (set by a signal handler)
// is seen when any thread next releases the mutex: the ticker does so every
// tick.
bool Stopping(Shared* shared) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  return shared->stopping || shared->external_stop->load();
}

// Runs on the ticker thread: every `tick`, likes each marker once with a
// unary Ingest and records the acknowledgement. A failed tick is retried
// with the same sequence (the server stores a batch once), so the markers'
// likes always equal the last acknowledged tick.
void RunTicker(Client& client, const std::string& producer, int markers,
               absl::Duration tick, Shared& shared) {
  int64_t b = 1;
  absl::Time next = absl::Now();
  for (;;) {
    {
      absl::MutexLock lock(&shared.mu);
      if (shared.mu.AwaitWithDeadline(absl::Condition(&Stopping, &shared),
                                      next)) {
        return;
      }
    }
    absl::StatusOr<v1::IngestResponse> r =
        client.Ingest(bench::MarkerBatch(producer, markers, b, absl::Now()));
    const absl::Time at = absl::Now();
    absl::MutexLock lock(&shared.mu);
    if (!r.ok() || r->rejected() > 0) {
      ++shared.tick_errors;
      next = at + tick;
      continue;
    }
    shared.acks.push_back(at);
    if (shared.acks.size() > kMaxAcks) {
      shared.acks.pop_front();
      ++shared.first_tick;
    }
    ++b;
    // No catch-up burst after a slow tick.
    next = std::max(next + tick, at);
  }
}

// The latencies of what became visible, and the visible-count, for one
// interval; `histogram` also gets those that arrived at or after
// `warmup_end`.
struct Visibility {
  double p50 = 0, p99 = 0, max = 0;
  int64_t count = 0;
};

Visibility Measure(const std::vector<bench::Seen>& seen, Shared& shared,
                   absl::Time warmup_end, LatencyHistogram& histogram) {
  std::vector<double> ms;
  ms.reserve(seen.size());
  {
    absl::MutexLock lock(&shared.mu);
    for (const bench::Seen& s : seen) {
      double latency = 0;  // not acknowledged yet: the frame won the race
      if (s.value <= shared.last_tick()) {
        std::optional<absl::Time> ack = shared.AckOf(s.value);
        if (!ack.has_value()) continue;  // older than kMaxAcks ticks
        latency = std::max(0.0, absl::ToDoubleMilliseconds(s.at - *ack));
      }
      ms.push_back(latency);
      if (s.at >= warmup_end) histogram.Add(latency);
    }
  }
  Visibility v;
  v.count = static_cast<int64_t>(ms.size());
  v.p50 = bench::Quantile(ms, 0.5);
  v.p99 = bench::Quantile(ms, 0.99);
  v.max = ms.empty() ? 0 : ms.back();
  return v;
}

// Raises `peak_kib` to what the server's RocksDB memtables and block cache
// hold now, when GetStorageStats answers.
void UpdateRocksDbPeak(Client& client, int64_t& peak_kib) {
  absl::StatusOr<v1::StorageStats> storage =
      client.GetStorageStats(v1::GetStorageStatsRequest());
  if (storage.ok()) {
    peak_kib = std::max(
        peak_kib,
        (storage->memtable_bytes() + storage->block_cache_bytes()) / 1024);
  }
}

// How long ago the oldest like that some client has not seen was acked.
double StalestMs(bench::WsFleet& fleet, Shared& shared, absl::Time now) {
  const int64_t min_seen = fleet.MinLastSeen();
  absl::MutexLock lock(&shared.mu);
  if (shared.acks.empty() || min_seen >= shared.last_tick()) return 0;
  const int64_t oldest = std::max(min_seen + 1, shared.first_tick);
  return std::max(0.0, absl::ToDoubleMilliseconds(now - *shared.AckOf(oldest)));
}

}  // namespace

absl::StatusOr<SoakSummary> RunSoak(
    const SoakOptions& options, const std::atomic<bool>& stop,
    const std::function<void(const Sample&)>& on_sample) {
  bench::RaiseFileLimit();
  const bool own = options.server_address.empty();
  bench::TempDir dir;
  bench::FanoutProcesses processes;
  std::string server_address = options.server_address;
  std::string bridge_address = options.bridge_address;
  pid_t server_pid = options.server_pid;
  pid_t bridge_pid = options.bridge_pid;
  if (own) {
    absl::StatusOr<bench::FanoutProcesses> started =
        bench::StartFanoutProcesses(options.server_bin, options.bridge_bin,
                                    dir.path(), options.clients);
    if (!started.ok()) return started.status();
    processes = *std::move(started);
    server_address = processes.server->address();
    bridge_address = processes.bridge->address();
    server_pid = processes.server->pid();
    bridge_pid = processes.bridge->pid();
  }
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect(server_address);
  if (!client.ok()) return client.status();

  // Producer ids unique to this run: a long-lived server keeps earlier runs'
  // sequences and markers.
  const std::string run =
      absl::StrCat("soak-", absl::ToUnixMicros(absl::Now()));
  const std::string marker_producer = run + "-marker";
  loadgen::FirehoseOptions firehose_options =
      bench::FirehoseFor(options.posts, options.seed);
  firehose_options.producer_id = run + "-firehose";
  firehose_options.nominal_rate = options.rate;
  loadgen::Firehose firehose(firehose_options);
  if (auto s = bench::AnnouncePosts(**client, firehose); !s.ok()) {
    return s.status();
  }
  if (auto s = (*client)->Ingest(
          bench::MarkerBatch(marker_producer, options.markers, 0, absl::Now()));
      !s.ok()) {
    return s.status();
  }

  auto fleet = std::make_unique<bench::WsFleet>(
      absl::StrCat("ws://", bridge_address, "/ws"));
  loadgen::Rng rng(options.seed);
  std::vector<std::string> frames;
  for (int i = 0; i < options.clients; ++i) {
    const std::string random_post = loadgen::PostId(
        options.seed, rng.Below(static_cast<uint64_t>(options.posts)));
    frames.push_back(bench::SubscribeFrame(
        {bench::MarkerId(marker_producer, i % options.markers), random_post},
        options.min_interval));
  }
  if (absl::Status s = fleet->Open(
          options.clients, 200, [&](int i) { return frames[i]; },
          [&](int i) {
            return bench::MarkerId(marker_producer, i % options.markers);
          },
          absl::Seconds(30) + absl::Milliseconds(10) * options.clients);
      !s.ok()) {
    return s;
  }
  frames.clear();

  Shared shared(&stop);
  std::atomic<bool> stop_runner{false};
  loadgen::RunnerOptions runner_options;
  runner_options.rate = options.rate;
  runner_options.diurnal_amplitude = 0;  // flat, so samples compare
  std::thread runner_thread([&] {
    loadgen::Runner runner(client->get(), &firehose, runner_options);
    const loadgen::Runner::ProgressCallback progress =
        [&](const loadgen::RunStats& stats) {
          absl::MutexLock lock(&shared.mu);
          shared.runner_stats = stats;
        };
    loadgen::RunStats stats;
    const absl::Status status = runner.Run(stop_runner, progress, &stats);
    absl::MutexLock lock(&shared.mu);
    shared.runner_stats = stats;
    shared.runner_failed = !status.ok();
  });
  fleet->StartMeasuring();
  const absl::Time start = absl::Now();
  std::thread ticker([&] {
    RunTicker(**client, marker_producer, options.markers, options.tick, shared);
  });

  SoakSummary summary;
  LatencyHistogram after_warmup;
  int64_t frames_before = 0;
  int64_t acked_before = 0;
  int64_t rocksdb_peak_kib = -1;
  absl::Time last_sample = start;
  absl::Duration unused;
  const int64_t samples =
      absl::IDivDuration(options.duration, options.interval, &unused);
  for (int64_t k = 0; k <= samples; ++k) {
    // Until the sample is due, the memtables' peak is polled every second:
    // a flush holds the old and the new memtable for a moment, and RSS keeps
    // that peak.
    bool stopping = false;
    for (absl::Time due = start + options.interval * k;
         k > 0 && !stopping && absl::Now() < due;) {
      {
        absl::MutexLock lock(&shared.mu);
        stopping = shared.mu.AwaitWithDeadline(
            absl::Condition(&Stopping, &shared),
            std::min(due, absl::Now() + kRocksDbPoll));
      }
      UpdateRocksDbPeak(**client, rocksdb_peak_kib);
    }
    if (stopping) break;
    const absl::Time now = absl::Now();
    Sample s;
    s.elapsed_s = absl::ToDoubleSeconds(now - start);
    s.server_rss_kib = server_pid > 0 ? bench::RssKibOf(server_pid) : -1;
    s.bridge_rss_kib = bridge_pid > 0 ? bench::RssKibOf(bridge_pid) : -1;
    s.server_fds = server_pid > 0 ? bench::OpenFilesOf(server_pid) : -1;
    s.bridge_fds = bridge_pid > 0 ? bench::OpenFilesOf(bridge_pid) : -1;
    UpdateRocksDbPeak(**client, rocksdb_peak_kib);
    s.server_rocksdb_peak_kib = rocksdb_peak_kib;
    const Visibility v = Measure(fleet->TakeSeen(), shared,
                                 start + options.warmup, after_warmup);
    s.visibility_p50_ms = v.p50;
    s.visibility_p99_ms = v.p99;
    s.visibility_max_ms = v.max;
    s.visible_likes = v.count;
    s.stalest_client_ms = StalestMs(*fleet, shared, now);
    s.frames = fleet->frames() - frames_before;
    frames_before += s.frames;
    s.clients_connected = fleet->connected();
    s.clients_dropped = fleet->dropped();
    {
      absl::MutexLock lock(&shared.mu);
      const loadgen::RunStats& r = shared.runner_stats;
      const double seconds = absl::ToDoubleSeconds(now - last_sample);
      if (seconds > 0) {
        s.acked_items_per_s =
            static_cast<double>(r.acked_items - acked_before) / seconds;
      }
      acked_before = r.acked_items;
      s.errors = fleet->error_frames() + shared.tick_errors + r.rejected +
                 r.reconnects + (shared.runner_failed ? 1 : 0);
    }
    last_sample = now;
    on_sample(s);
    summary.samples.push_back(s);
  }

  stop_runner = true;
  {
    absl::MutexLock lock(&shared.mu);
    shared.stopping = true;
  }
  ticker.join();
  runner_thread.join();
  summary.visibility_p99_after_warmup_ms = after_warmup.QuantileMs(0.99);
  summary.visible_after_warmup = after_warmup.count();
  fleet.reset();
  if (own) {
    summary.bridge_exit = processes.bridge->Terminate();
    summary.server_exit = processes.server->Terminate();
  }
  return summary;
}

}  // namespace pulse::soak
