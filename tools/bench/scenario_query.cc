// Query latency and throughput: a closed loop keeping `concurrency` calls in
// flight through gRPC's callback API (each completion starts the next call)
// for a fixed time, over a server pre-loaded with the firehose.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.grpc.pb.h"
#include "tools/bench/child_process.h"
#include "tools/bench/load.h"
#include "tools/bench/metrics_scrape.h"
#include "tools/bench/scenarios.h"

namespace pulse::bench {
namespace {

using Stub = v1::AnalyticsService::Stub;
using google::protobuf::util::TimeUtil;

// Starts one call of an RPC; calls `done` (on a gRPC thread) with its status
// when it completes. `n` numbers the call, for picking inputs.
using StartFn = std::function<void(
    uint64_t n, std::function<void(const grpc::Status&)> done)>;

// Keeps the request, response and context of one call alive until it ends.
template <typename Req, typename Resp>
struct CallState {
  grpc::ClientContext context;
  Req request;
  Resp response;
};

// `stub` outlives the calls.
template <typename Req, typename Resp, typename AnyStub>
StartFn MakeStart(AnyStub* stub,
                  void (AnyStub::async_interface::*method)(
                      grpc::ClientContext*, const Req*, Resp*,
                      std::function<void(grpc::Status)>),
                  std::function<void(uint64_t n, Req*)> fill) {
  return [stub, method, fill](uint64_t n,
                              std::function<void(const grpc::Status&)> done) {
    auto* call = new CallState<Req, Resp>;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
    fill(n, &call->request);
    (stub->async()->*method)(&call->context, &call->request, &call->response,
                             [call, done](grpc::Status status) {
                               done(status);
                               delete call;
                             });
  };
}

struct LoopResult {
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  std::string first_error;
  absl::Duration elapsed;
};

// Runs `concurrency` closed loops of `start` for `duration`. Blocks.
LoopResult RunClosedLoop(const StartFn& start, int concurrency,
                         absl::Duration duration) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    int running = 0;
    LoopResult result;
    std::atomic<uint64_t> next{0};
    absl::Time deadline;
  } shared;
  shared.deadline = absl::Now() + duration;
  shared.running = concurrency;
  shared.result.latencies_ms.reserve(1 << 16);

  // One loop: start a call; on completion record it and start the next
  // unless time is up. Runs on gRPC's callback threads and never blocks.
  std::function<void()> issue = [&]() {
    const absl::Time t0 = absl::Now();
    start(shared.next.fetch_add(1), [&, t0](const grpc::Status& status) {
      const absl::Time t1 = absl::Now();
      bool more = t1 < shared.deadline;
      {
        std::lock_guard<std::mutex> lock(shared.mu);
        if (status.ok()) {
          shared.result.latencies_ms.push_back(
              absl::ToDoubleMilliseconds(t1 - t0));
        } else {
          if (shared.result.errors++ == 0) {
            shared.result.first_error = status.error_message();
          }
        }
        if (!more && --shared.running == 0) shared.cv.notify_all();
      }
      if (more) issue();
    });
  };
  const absl::Time begin = absl::Now();
  for (int i = 0; i < concurrency; ++i) issue();
  std::unique_lock<std::mutex> lock(shared.mu);
  shared.cv.wait(lock, [&] { return shared.running == 0; });
  shared.result.elapsed = absl::Now() - begin;
  return std::move(shared.result);
}

struct Settled {
  absl::Duration waited;
  bool quiet = false;  // false: `limit` passed first
};

// Waits, at most `limit`, until the server runs no compaction and RocksDB
// estimates none pending, in two reads of its /metrics 250 ms apart (a flush
// that ends between them may start a compaction). A zero `limit` reads
// nothing.
absl::StatusOr<Settled> WaitForCompactions(const ChildProcess& server,
                                           absl::Duration limit) {
  if (limit <= absl::ZeroDuration()) return Settled{absl::ZeroDuration()};
  static constexpr const char* kNames[] = {
      "pulse_rocksdb_num_running_compactions",
      "pulse_rocksdb_estimate_pending_compaction_bytes"};
  constexpr absl::Duration kPoll = absl::Milliseconds(250);
  const absl::Time begin = absl::Now();
  const absl::Time deadline = begin + limit;
  int quiet_reads = 0;
  while (true) {
    absl::StatusOr<std::vector<double>> values =
        ReadServerMetrics(server, kNames, absl::Seconds(10));
    if (!values.ok()) return values.status();
    quiet_reads = (*values)[0] == 0 && (*values)[1] == 0 ? quiet_reads + 1 : 0;
    if (quiet_reads == 2) return Settled{absl::Now() - begin, true};
    if (absl::Now() + kPoll > deadline) return Settled{absl::Now() - begin};
    absl::SleepFor(kPoll);
  }
}

// The RPCs measured, in the order they are measured.
constexpr const char* kRpcs[] = {"HealthCheck", "GetPostStats",
                                 "QueryTimeSeries", "TopPosts",
                                 "TrendingHashtags"};

// Engagements sent before --query_preload (a little more: whole batches of
// 10,000 items, some of them not engagements). The posts queried are drawn
// from what they engage with, so the calls follow the firehose's popularity
// and every queried post has counts to read.
constexpr int64_t kSampleEngagements = 100'000;

}  // namespace

absl::Status CheckQueryRpcs(const std::vector<std::string>& rpcs) {
  for (const std::string& want : rpcs) {
    if (std::find(std::begin(kRpcs), std::end(kRpcs), want) ==
        std::end(kRpcs)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--query_rpcs=", absl::StrJoin(rpcs, ","), ": no RPC '", want,
          "' in the query scenario; give some of ", absl::StrJoin(kRpcs, ",")));
    }
  }
  return absl::OkStatus();
}

absl::Status RunQuery(const BenchOptions& options, Report& report) {
  if (absl::Status s = CheckQueryRpcs(options.query_rpcs); !s.ok()) return s;
  TempDir dir;
  absl::StatusOr<std::unique_ptr<ChildProcess>> server = ChildProcess::Start(
      {options.server_bin, "--data_dir=" + dir.path() + "/data",
       "--log_level=warn", "--metrics_listen=127.0.0.1:0"},
      dir.path() + "/server");
  if (!server.ok()) return server.status();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect((*server)->address());
  if (!client.ok()) return client.status();

  loadgen::Firehose firehose(FirehoseFor(options.posts, 2));
  if (auto s = AnnouncePosts(**client, firehose); !s.ok()) return s.status();
  // The sample of posts queried follows the firehose's popularity.
  std::vector<v1::IngestRequest> sample =
      MakeBatches(firehose, 10'000, kSampleEngagements, false);
  std::vector<std::string> posts = EngagedPosts(sample, kSampleEngagements);
  absl::StatusOr<SendResult> sampled = SendBatches(**client, sample, 64);
  if (!sampled.ok()) return sampled.status();
  absl::StatusOr<SendResult> loaded =
      Preload(**client, firehose, options.query_preload);
  if (!loaded.ok()) return loaded.status();
  const int64_t stored = sampled->engagements + loaded->engagements;
  std::fprintf(stderr,
               "query: pre-loaded %lld engagements (%lld of them the sample "
               "the queried posts are drawn from) in %.1f s\n",
               static_cast<long long>(stored),
               static_cast<long long>(sampled->engagements),
               absl::ToDoubleSeconds(sampled->elapsed + loaded->elapsed));
  if (posts.empty()) return absl::InternalError("no engaged posts");
  absl::StatusOr<Settled> settled =
      WaitForCompactions(**server, options.query_settle);
  if (!settled.ok()) return settled.status();
  if (options.query_settle > absl::ZeroDuration()) {
    std::fprintf(stderr, "query: compactions %s after %.1f s\n",
                 settled->quiet ? "done" : "still running at --query_settle",
                 absl::ToDoubleSeconds(settled->waited));
  }

  // Shuffled so that call n queries a popularity-weighted random post.
  std::shuffle(posts.begin(), posts.end(), std::mt19937_64(7));
  auto post_of = [&posts](uint64_t n) -> const std::string& {
    return posts[n % posts.size()];
  };

  auto channel = grpc::CreateChannel((*server)->address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::AnalyticsService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);
  std::vector<std::pair<std::string, StartFn>> rpcs;
  // The floor under every other figure: a call that does no work (gRPC's
  // built-in health service), through the same client, channel and threads.
  rpcs.emplace_back(
      "HealthCheck",
      MakeStart<grpc::health::v1::HealthCheckRequest,
                grpc::health::v1::HealthCheckResponse>(
          health.get(), &grpc::health::v1::Health::Stub::async_interface::Check,
          [](uint64_t, grpc::health::v1::HealthCheckRequest*) {}));
  rpcs.emplace_back("GetPostStats",
                    MakeStart<v1::GetPostStatsRequest, v1::PostStats>(
                        stub.get(), &Stub::async_interface::GetPostStats,
                        [&](uint64_t n, v1::GetPostStatsRequest* r) {
                          r->set_post_id(post_of(n));
                        }));
  rpcs.emplace_back(
      "QueryTimeSeries",
      MakeStart<v1::QueryTimeSeriesRequest, v1::QueryTimeSeriesResponse>(
          stub.get(), &Stub::async_interface::QueryTimeSeries,
          [&](uint64_t n, v1::QueryTimeSeriesRequest* r) {
            const absl::Time now = absl::Now();
            r->set_post_id(post_of(n));
            r->set_metric(v1::ENGAGEMENTS);
            r->set_resolution(v1::MINUTE);
            *r->mutable_start_time() = TimeUtil::SecondsToTimestamp(
                absl::ToUnixSeconds(now - absl::Hours(1)));
            *r->mutable_end_time() =
                TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now) + 1);
          }));
  rpcs.emplace_back("TopPosts",
                    MakeStart<v1::TopPostsRequest, v1::TopPostsResponse>(
                        stub.get(), &Stub::async_interface::TopPosts,
                        [](uint64_t, v1::TopPostsRequest* r) {
                          *r->mutable_window() =
                              TimeUtil::SecondsToDuration(3600);
                          r->set_limit(10);
                        }));
  rpcs.emplace_back(
      "TrendingHashtags",
      MakeStart<v1::TrendingHashtagsRequest, v1::TrendingHashtagsResponse>(
          stub.get(), &Stub::async_interface::TrendingHashtags,
          [](uint64_t, v1::TrendingHashtagsRequest* r) {
            *r->mutable_window() = TimeUtil::SecondsToDuration(3600);
            r->set_limit(10);
          }));

  for (const auto& [name, start] : rpcs) {
    if (!options.query_rpcs.empty() &&
        std::find(options.query_rpcs.begin(), options.query_rpcs.end(), name) ==
            options.query_rpcs.end()) {
      continue;
    }
    // A short warm-up so first-call costs (connection, caches) stay out.
    RunClosedLoop(start, 4, absl::Milliseconds(100));
    for (int c : options.query_concurrency) {
      const double cpu0 = (*server)->CpuSeconds();
      const double client_cpu0 = CpuSecondsOf(getpid());
      LoopResult r = RunClosedLoop(start, c, options.query_duration);
      if (r.errors > 0) {
        return absl::InternalError(absl::StrCat(
            name, ": ", r.errors, " errors, first: ", r.first_error));
      }
      const double seconds = absl::ToDoubleSeconds(r.elapsed);
      const double calls = static_cast<double>(r.latencies_ms.size());
      Settings settings;
      settings.Num("concurrency", c)
          .Num("posts", static_cast<double>(options.posts))
          .Num("stored_engagements", static_cast<double>(stored))
          .Num("settle_s", absl::ToDoubleSeconds(settled->waited))
          .Bool("settled", settled->quiet)
          .Num("calls", calls)
          .Num("seconds", seconds)
          .Num("server_cpu_s", (*server)->CpuSeconds() - cpu0)
          .Num("client_cpu_s", CpuSecondsOf(getpid()) - client_cpu0);
      if (name == "QueryTimeSeries") settings.Str("range", "1h@minute");
      if (name == "TopPosts") settings.Str("window", "1h").Num("limit", 10);
      if (name == "TrendingHashtags") settings.Str("window", "1h");
      const std::string prefix = absl::StrCat("query.", name, ".c", c);
      const double p50 = Quantile(r.latencies_ms, 0.50);
      const double p99 = Quantile(r.latencies_ms, 0.99);
      report.Add({prefix + ".p50_ms", p50, "ms", settings});
      report.Add({prefix + ".p99_ms", p99, "ms", settings});
      report.Add({prefix + ".qps", calls / seconds, "1/s", settings});
    }
  }
  (*server)->Terminate();
  return absl::OkStatus();
}

}  // namespace pulse::bench
