// Fan-out: N websocket clients through pulse-bridge, each subscribed to the
// global totals, the 1 h top-posts board and one marker post, while a paced
// firehose ingests in the background. A ticker adds one like to every marker
// post per tick with a unary Ingest; tick b leaves each marker at b likes, so
// a client seeing likes == b has seen tick b. Visibility latency is the
// frame's arrival minus tick b's acknowledgement (0 when the frame won).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "tools/bench/child_process.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"
#include "tools/bench/ws_fleet.h"

namespace pulse::bench {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::Duration kTick = absl::Milliseconds(250);
constexpr char kMarkerProducer[] = "bench-marker";

std::string MarkerId(int i) { return absl::StrFormat("marker-%06d", i); }

// The Subscribe frame of a client watching marker `marker`.
std::string SubscribeFrame(const std::string& marker, absl::Duration interval) {
  v1::SubscribeRequest request;
  request.set_global(true);
  *request.mutable_top_posts()->mutable_window() =
      TimeUtil::SecondsToDuration(3600);
  request.mutable_top_posts()->set_limit(10);
  request.add_post_ids(marker);
  *request.mutable_min_interval() =
      TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(interval));
  std::string params;
  (void)google::protobuf::util::MessageToJsonString(request, &params);
  return absl::StrCat(
      R"({"jsonrpc":"2.0","id":1,"method":"Subscribe","params":)", params, "}");
}

// Tick `tick`'s batch: tick 0 announces the markers, later ticks like each.
v1::IngestRequest MarkerBatch(int markers, int64_t tick) {
  v1::IngestRequest batch;
  batch.set_producer_id(kMarkerProducer);
  batch.set_sequence(static_cast<uint64_t>(tick) + 1);
  const auto now =
      TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
  for (int i = 0; i < markers; ++i) {
    if (tick == 0) {
      v1::Post* p = batch.add_posts();
      p->set_post_id(MarkerId(i));
      p->set_account_id("bench-marker-account");
      p->set_platform("bench");
      *p->mutable_published_at() = now;
    } else {
      v1::Engagement* e = batch.add_engagements();
      e->set_post_id(MarkerId(i));
      e->set_kind(v1::LIKE);
      e->set_count(1);
      e->set_user_id(absl::StrCat("marker-user-", tick));
      *e->mutable_time() = now;
    }
  }
  return batch;
}

absl::Status RunOne(const BenchOptions& options, int clients, Report& report) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/web");
  absl::StatusOr<std::unique_ptr<ChildProcess>> server = ChildProcess::Start(
      {options.server_bin, "--data_dir=" + dir.path() + "/data",
       "--log_level=warn", absl::StrCat("--max_subscriptions=", clients + 100)},
      dir.path() + "/server");
  if (!server.ok()) return server.status();
  absl::StatusOr<std::unique_ptr<ChildProcess>> bridge = ChildProcess::Start(
      {options.bridge_bin, "--backend=" + (*server)->address(),
       "--allowed_origins=*", "--web_root=" + dir.path() + "/web",
       absl::StrCat("--max_connections=", clients + 100)},
      dir.path() + "/bridge");
  if (!bridge.ok()) return bridge.status();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect((*server)->address());
  if (!client.ok()) return client.status();

  loadgen::Firehose firehose(FirehoseFor(options.fanout_posts, 3));
  if (auto s = AnnouncePosts(**client, firehose); !s.ok()) return s.status();
  const int markers = std::min(clients, 1'000);
  if (auto s = (*client)->Ingest(MarkerBatch(markers, 0)); !s.ok()) {
    return s.status();
  }

  const int64_t bridge_rss0 = (*bridge)->RssKib();
  auto fleet_owner = std::make_unique<WsFleet>(
      absl::StrCat("ws://", (*bridge)->address(), "/ws"));
  WsFleet& fleet = *fleet_owner;
  std::vector<std::string> frames;
  for (int i = 0; i < markers; ++i) {
    frames.push_back(SubscribeFrame(MarkerId(i), options.fanout_min_interval));
  }
  const absl::Time open_start = absl::Now();
  if (absl::Status s = fleet.Open(
          clients, 200, [&](int i) { return frames[i % markers]; },
          [&](int i) { return MarkerId(i % markers); },
          absl::Seconds(30) + absl::Milliseconds(10) * clients);
      !s.ok()) {
    return s;
  }
  const double open_seconds = absl::ToDoubleSeconds(absl::Now() - open_start);
  const int64_t bridge_rss_open = (*bridge)->RssKib();

  // Background ingest, paced at fanout_rate, in 100 ms chunks.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ingested{0};
  absl::Status ingest_status;
  std::thread ingester([&] {
    const absl::Time start = absl::Now();
    const int batch = static_cast<int>(
        std::clamp(options.fanout_rate / 100, 100.0, 10'000.0));
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
  const double server_cpu0 = (*server)->CpuSeconds();
  const double bridge_cpu0 = (*bridge)->CpuSeconds();
  const int64_t ingested0 = ingested.load();
  fleet.StartMeasuring();
  const absl::Time start = absl::Now();
  std::vector<absl::Time> acked = {start};  // acked[b]: tick b's ack
  absl::Status tick_status;
  int64_t tick = 1;
  for (absl::Time next = start; absl::Now() < start + options.fanout_duration;
       ++tick) {
    absl::StatusOr<v1::IngestResponse> r =
        (*client)->Ingest(MarkerBatch(markers, tick));
    if (!r.ok()) {
      tick_status = r.status();
      break;
    }
    acked.push_back(absl::Now());
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
  const double server_cpu = (*server)->CpuSeconds() - server_cpu0;
  const double bridge_cpu = (*bridge)->CpuSeconds() - bridge_cpu0;
  const int64_t bridge_rss = (*bridge)->RssKib();
  const int64_t server_rss = (*server)->RssKib();
  const int64_t frames_n = fleet.frames();
  const int64_t min_last = fleet.MinLastSeen();
  stop = true;
  ingester.join();
  const double rate = static_cast<double>(ingested.load() - ingested0) /
                      absl::ToDoubleSeconds(absl::Now() - start);
  if (!ingest_status.ok()) return ingest_status;
  if (!tick_status.ok()) return tick_status;

  std::vector<double> latency_ms;
  latency_ms.reserve(seen.size());
  for (const Seen& s : seen) {
    if (s.value < 1 || s.value > last_tick) continue;
    latency_ms.push_back(
        std::max(0.0, absl::ToDoubleMilliseconds(s.at - acked[s.value])));
  }
  // Updates each client should have seen but did not (beyond the last tick
  // everyone reached).
  const int64_t expected = last_tick * clients;
  const int64_t unseen = expected - static_cast<int64_t>(latency_ms.size());
  const int64_t dropped = fleet.dropped();

  Settings settings;
  settings.Num("clients", clients)
      .Num("marker_posts", markers)
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
  report.Add({p + "frames_per_s", static_cast<double>(frames_n) / seconds,
              "1/s", settings});
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
  (*bridge)->Terminate();
  (*server)->Terminate();
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
