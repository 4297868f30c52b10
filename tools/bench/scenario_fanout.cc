// Fan-out: N websocket clients through pulse-bridge, each subscribed to the
// global totals, the 1 h top-posts board, one marker post and (unless
// --nofanout_random_post) one random post of the firehose, while a paced
// firehose ingests in the background; visibility latency is timed with the
// marker ticks of fanout_setup.h (0 when the frame beat the ack).
#include <atomic>
#include <chrono>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "tools/bench/child_process.h"
#include "tools/bench/fanout_setup.h"
#include "tools/bench/load.h"
#include "tools/bench/metrics_scrape.h"
#include "tools/bench/scenarios.h"
#include "tools/bench/ws_fleet.h"

namespace pulse::bench {
namespace {

constexpr absl::Duration kTick = absl::Milliseconds(250);
constexpr char kMarkerProducer[] = "bench-marker";

// The server's subscription counters compared before and after the
// measured period: what it sent, and how many post reads it did and shared.
constexpr const char* kServerCounters[] = {
    "pulse_subscription_updates_sent",
    "pulse_subscription_post_reads",
    "pulse_subscription_post_reads_shared",
};

absl::StatusOr<std::vector<double>> ReadServerCounters(
    const ChildProcess& server) {
  return ReadServerMetrics(server, kServerCounters, absl::Seconds(10));
}

absl::Status RunOne(const BenchOptions& options, int clients, Report& report) {
  TempDir dir;
  absl::StatusOr<FanoutProcesses> processes = StartFanoutProcesses(
      options.server_bin, options.bridge_bin, dir.path(), clients);
  if (!processes.ok()) return processes.status();
  ChildProcess* server = processes->server.get();
  ChildProcess* bridge = processes->bridge.get();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect(server->address());
  if (!client.ok()) return client.status();

  loadgen::Firehose firehose(FirehoseFor(options.fanout_posts, 3));
  if (auto s = AnnouncePosts(**client, firehose); !s.ok()) return s.status();
  const int markers = std::min(clients, 1'000);
  if (auto s = (*client)->Ingest(
          MarkerBatch(kMarkerProducer, markers, 0, absl::Now()));
      !s.ok()) {
    return s.status();
  }

  // Socket i watches marker i mod `markers` and, with random_post, a post
  // drawn from the firehose's engagements (so by its popularity, as the
  // query scenario's GetPostStats), which makes most sockets' requests
  // distinct: the bridge shares an upstream stream only between identical
  // requests.
  std::vector<std::string> engaged;
  if (options.fanout_random_post) {
    const int64_t sampled = std::max<int64_t>(10'000, 10LL * clients);
    const std::vector<v1::IngestRequest> sample =
        MakeBatches(firehose, 10'000, sampled, false);
    if (auto s = SendBatches(**client, sample, 1'000); !s.ok()) {
      return s.status();
    }
    engaged = EngagedPosts(sample, static_cast<size_t>(sampled));
    if (engaged.empty()) return absl::InternalError("no post was engaged");
  }
  std::mt19937_64 rng(static_cast<uint64_t>(clients));
  std::vector<std::string> frames;
  frames.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    std::vector<std::string> posts = {MarkerId(kMarkerProducer, i % markers)};
    if (!engaged.empty()) {
      posts.push_back(engaged[std::uniform_int_distribution<size_t>(
          0, engaged.size() - 1)(rng)]);
    }
    frames.push_back(SubscribeFrame(posts, options.fanout_min_interval));
  }

  const int64_t bridge_rss0 = bridge->RssKib();
  auto fleet_owner =
      std::make_unique<WsFleet>(absl::StrCat("ws://", bridge->address(), "/ws"),
                                options.fanout_client_threads);
  WsFleet& fleet = *fleet_owner;
  const absl::Time open_start = absl::Now();
  if (absl::Status s = fleet.Open(
          clients, 200, [&](int i) { return frames[i]; },
          [&](int i) { return MarkerId(kMarkerProducer, i % markers); },
          absl::Seconds(30) + absl::Milliseconds(10) * clients);
      !s.ok()) {
    return s;
  }
  const double open_seconds = absl::ToDoubleSeconds(absl::Now() - open_start);
  const int64_t bridge_rss_open = bridge->RssKib();
  // The bridge's upstream Subscribe streams: the subscriptions the server
  // holds for these sockets (the bridge shares one between identical
  // requests).
  absl::StatusOr<std::vector<double>> upstream_streams = ReadMetrics(
      bridge->port(), {"pulse_bridge_upstream_streams"}, absl::Seconds(10));
  if (!upstream_streams.ok()) return upstream_streams.status();

  // Background ingest, paced at fanout_rate, in 100 ms chunks.
  const int batch = options.fanout_batch > 0
                        ? options.fanout_batch
                        : static_cast<int>(std::clamp(options.fanout_rate / 100,
                                                      100.0, 10'000.0));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ingested{0};
  absl::Status ingest_status;
  std::thread ingester([&] {
    const absl::Time start = absl::Now();
    while (!stop.load()) {
      std::vector<v1::IngestRequest> chunk = MakeBatches(
          firehose, batch,
          std::max<int64_t>(1, static_cast<int64_t>(options.fanout_rate / 10)),
          false);
      absl::StatusOr<SendResult> sent = SendBatches(**client, chunk, 1'000);
      if (!sent.ok()) {
        ingest_status = sent.status();
        return;
      }
      ingested += sent->engagements;
      const absl::Time due =
          start + absl::Seconds(static_cast<double>(ingested.load()) /
                                options.fanout_rate);
      while (!stop.load() && absl::Now() < due) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  });

  // Give the firehose a moment so that the measured period is steady.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double server_cpu0 = server->CpuSeconds();
  absl::StatusOr<std::vector<double>> counters0 = ReadServerCounters(*server);
  if (!counters0.ok()) return counters0.status();
  const double bridge_cpu0 = bridge->CpuSeconds();
  const int64_t ingested0 = ingested.load();
  fleet.StartMeasuring();
  const absl::Time start = absl::Now();
  // acked[b]: tick b's ack; sent[b]: when its Ingest call began.
  std::vector<absl::Time> acked = {start}, sent = {start};
  std::vector<double> ack_ms;  // each tick's Ingest call
  absl::Status tick_status;
  int64_t tick = 1;
  for (absl::Time next = start; absl::Now() < start + options.fanout_duration;
       ++tick) {
    const absl::Time call = absl::Now();
    absl::StatusOr<v1::IngestResponse> r =
        (*client)->Ingest(MarkerBatch(kMarkerProducer, markers, tick, call));
    if (!r.ok()) {
      tick_status = r.status();
      break;
    }
    acked.push_back(absl::Now());
    sent.push_back(call);
    ack_ms.push_back(absl::ToDoubleMilliseconds(acked.back() - call));
    next += kTick;
    const absl::Duration wait = next - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
  }
  const int64_t last_tick = tick - 1;
  // Frames for the last ticks may still be on their way.
  absl::SleepFor(options.fanout_min_interval + absl::Milliseconds(500));
  const absl::Time end = absl::Now();
  std::vector<Seen> seen = fleet.StopMeasuring();
  const double seconds = absl::ToDoubleSeconds(end - start);
  const double server_cpu = server->CpuSeconds() - server_cpu0;
  absl::StatusOr<std::vector<double>> counters = ReadServerCounters(*server);
  if (!counters.ok()) return counters.status();
  const double bridge_cpu = bridge->CpuSeconds() - bridge_cpu0;
  const int64_t bridge_rss = bridge->RssKib();
  const int64_t server_rss = server->RssKib();
  const int64_t frames_n = fleet.frames();
  const int64_t min_last = fleet.MinLastSeen();
  stop = true;
  ingester.join();
  const double rate = static_cast<double>(ingested.load() - ingested0) /
                      absl::ToDoubleSeconds(absl::Now() - start);
  if (!ingest_status.ok()) return ingest_status;
  if (!tick_status.ok()) return tick_status;

  // Visibility, split where the update was built: the server's part (from
  // the ack to the build) and the bridge's (from the build to the frame).
  // A frame can come before the ack when the ack is slow: visibility is
  // then 0, and the figure from the call's start (send_to_frame) says more.
  std::vector<double> latency_ms, from_send_ms, to_build_ms, to_frame_ms;
  latency_ms.reserve(seen.size());
  for (const Seen& s : seen) {
    if (s.value < 1 || s.value > last_tick) continue;
    latency_ms.push_back(
        std::max(0.0, absl::ToDoubleMilliseconds(s.at - acked[s.value])));
    from_send_ms.push_back(absl::ToDoubleMilliseconds(s.at - sent[s.value]));
    if (s.built == absl::InfinitePast()) continue;
    to_build_ms.push_back(
        std::max(0.0, absl::ToDoubleMilliseconds(s.built - acked[s.value])));
    to_frame_ms.push_back(
        std::max(0.0, absl::ToDoubleMilliseconds(s.at - s.built)));
  }
  // Updates each client should have seen but did not (beyond the last tick
  // everyone reached).
  const int64_t expected = last_tick * clients;
  const int64_t unseen = expected - static_cast<int64_t>(latency_ms.size());
  const int64_t dropped = fleet.dropped();

  Settings settings;
  settings.Num("clients", clients)
      .Num("client_threads", options.fanout_client_threads)
      .Num("marker_posts", markers)
      .Num("random_post", options.fanout_random_post ? 1 : 0)
      .Num("ingest_batch", batch)
      .Num("min_interval_ms",
           absl::ToDoubleMilliseconds(options.fanout_min_interval))
      .Num("target_ingest_per_s", options.fanout_rate)
      .Num("achieved_ingest_per_s", rate)
      .Num("ticks", static_cast<double>(last_tick))
      .Num("tick_ms", absl::ToDoubleMilliseconds(kTick))
      .Num("unseen_updates", static_cast<double>(unseen))
      .Num("min_last_seen", static_cast<double>(min_last))
      .Num("seconds", seconds)
      .Num("open_seconds", open_seconds)
      .Num("bridge_rss_before_kib", static_cast<double>(bridge_rss0))
      .Num("bridge_rss_open_kib", static_cast<double>(bridge_rss_open));
  const std::string p = absl::StrCat("fanout.", clients, ".");
  const double p50 = Quantile(latency_ms, 0.5);
  const double p99 = Quantile(latency_ms, 0.99);
  const double max = latency_ms.empty() ? 0 : latency_ms.back();
  report.Add({p + "visibility_p50_ms", p50, "ms", settings});
  report.Add({p + "visibility_p99_ms", p99, "ms", settings});
  report.Add({p + "visibility_max_ms", max, "ms", settings});
  report.Add({p + "send_to_frame_p50_ms", Quantile(from_send_ms, 0.5), "ms",
              settings});
  report.Add({p + "send_to_frame_p99_ms", Quantile(from_send_ms, 0.99), "ms",
              settings});
  report.Add({p + "marker_ack_p50_ms", Quantile(ack_ms, 0.5), "ms", settings});
  report.Add({p + "marker_ack_p99_ms", Quantile(ack_ms, 0.99), "ms", settings});
  report.Add(
      {p + "ack_to_build_p50_ms", Quantile(to_build_ms, 0.5), "ms", settings});
  report.Add(
      {p + "ack_to_build_p99_ms", Quantile(to_build_ms, 0.99), "ms", settings});
  report.Add({p + "build_to_frame_p50_ms", Quantile(to_frame_ms, 0.5), "ms",
              settings});
  report.Add({p + "build_to_frame_p99_ms", Quantile(to_frame_ms, 0.99), "ms",
              settings});
  report.Add(
      {p + "upstream_streams", (*upstream_streams)[0], "count", settings});
  report.Add({p + "frames_per_s", static_cast<double>(frames_n) / seconds,
              "1/s", settings});
  // pulse_subscription_X -> fanout.N.server_X_per_s
  for (size_t i = 0; i < std::size(kServerCounters); ++i) {
    const absl::string_view name =
        absl::StripPrefix(kServerCounters[i], "pulse_subscription_");
    report.Add({absl::StrCat(p, "server_", name, "_per_s"),
                ((*counters)[i] - (*counters0)[i]) / seconds, "1/s", settings});
  }
  report.Add(
      {p + "dropped_clients", static_cast<double>(dropped), "count", settings});
  report.Add(
      {p + "bridge_rss_kib", static_cast<double>(bridge_rss), "KiB", settings});
  report.Add({p + "bridge_rss_kib_per_conn",
              static_cast<double>(bridge_rss - bridge_rss0) / clients, "KiB",
              settings});
  report.Add(
      {p + "server_rss_kib", static_cast<double>(server_rss), "KiB", settings});
  report.Add({p + "bridge_cpu_s", bridge_cpu, "s", settings});
  report.Add({p + "server_cpu_s", server_cpu, "s", settings});
  fleet_owner.reset();
  bridge->Terminate();
  server->Terminate();
  return absl::OkStatus();
}

}  // namespace

absl::Status RunFanout(const BenchOptions& options, Report& report) {
  RaiseFileLimit();
  for (int clients : options.fanout_clients) {
    if (absl::Status s = RunOne(options, clients, report); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("fanout ", clients, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace pulse::bench
