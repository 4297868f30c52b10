// Ingest throughput: pre-generated loadgen batches sent back to back over
// IngestStream, engagements acknowledged per second.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "tools/bench/child_process.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace pulse::bench {
namespace {

// Batches per IngestStream call: a call's summary is its acknowledgement,
// so calls are ended about every 100,000 engagements.
int PerCall(int batch_size) { return std::max(1, 100'000 / batch_size); }

// Deals `batches` round-robin to `streams` concurrent IngestStream calls:
// the first on `client`, each other on a connection of its own. With
// several streams and producer idempotency each stream is its own producer
// (the firehose's id suffixed with the stream's index), whose sequences
// still rise. Blocks until all are acknowledged.
absl::StatusOr<SendResult> SendConcurrently(
    Client& client, const std::string& address,
    std::vector<v1::IngestRequest> batches, int per_call, int streams) {
  std::vector<std::vector<v1::IngestRequest>> dealt(streams);
  for (size_t i = 0; i < batches.size(); ++i) {
    v1::IngestRequest& batch = batches[i];
    if (streams > 1 && !batch.producer_id().empty()) {
      batch.set_producer_id(
          absl::StrCat(batch.producer_id(), "-s", i % streams));
    }
    dealt[i % streams].push_back(std::move(batch));
  }
  std::vector<std::unique_ptr<Client>> more;
  std::vector<Client*> clients = {&client};
  for (int k = 1; k < streams; ++k) {
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(address);
    if (!c.ok()) return c.status();
    more.push_back(*std::move(c));
    clients.push_back(more.back().get());
  }
  std::vector<absl::StatusOr<SendResult>> results(streams);
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int k = 0; k < streams; ++k) {
    threads.emplace_back(
        [&, k] { results[k] = SendBatches(*clients[k], dealt[k], per_call); });
  }
  for (std::thread& t : threads) t.join();
  SendResult total;
  for (const absl::StatusOr<SendResult>& r : results) {
    if (!r.ok()) return r.status();
    total.AddCounts(*r);
  }
  total.elapsed = absl::Now() - start;
  return total;
}

struct Config {
  std::string name;  // figure prefix after "ingest."
  int batch;
  bool event_ids;
};

absl::Status RunServer(const BenchOptions& options, bool sync_writes,
                       const std::vector<Config>& configs, Report& report) {
  TempDir dir;
  std::vector<std::string> argv = {options.server_bin,
                                   "--data_dir=" + dir.path() + "/data",
                                   "--log_level=warn"};
  if (sync_writes) argv.push_back("--sync_writes");
  absl::StatusOr<std::unique_ptr<ChildProcess>> server =
      ChildProcess::Start(argv, dir.path() + "/server");
  if (!server.ok()) return server.status();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect((*server)->address());
  if (!client.ok()) return client.status();

  loadgen::Firehose firehose(FirehoseFor(options.posts, 1));
  absl::StatusOr<SendResult> warm = AnnouncePosts(**client, firehose);
  if (!warm.ok()) return warm.status();
  std::fprintf(stderr, "ingest: announced %lld posts in %.1f s\n",
               static_cast<long long>(options.posts),
               absl::ToDoubleSeconds(warm->elapsed));

  for (const Config& c : configs) {
    const int64_t n =
        std::min<int64_t>(options.ingest_engagements, int64_t{c.batch} * 2'000);
    std::vector<v1::IngestRequest> batches =
        MakeBatches(firehose, c.batch, n, c.event_ids);
    const double cpu0 = (*server)->CpuSeconds();
    absl::StatusOr<SendResult> sent =
        SendConcurrently(**client, (*server)->address(), std::move(batches),
                         PerCall(c.batch), options.ingest_streams);
    if (!sent.ok()) {
      return absl::Status(
          sent.status().code(),
          absl::StrCat("ingest ", c.name, ": ", sent.status().message()));
    }
    const double seconds = absl::ToDoubleSeconds(sent->elapsed);
    const double cpu = (*server)->CpuSeconds() - cpu0;
    Settings settings;
    settings.Num("batch", c.batch)
        .Num("engagements", static_cast<double>(sent->engagements))
        .Num("posts", static_cast<double>(options.posts))
        .Num("streams", options.ingest_streams)
        .Str("dedupe", c.event_ids ? "event_id" : "producer")
        .Bool("sync_writes", sync_writes)
        .Bool("wal", true)
        .Num("seconds", seconds)
        .Num("server_cpu_s", cpu)
        .Num("server_rss_kib", static_cast<double>((*server)->RssKib()));
    report.Add({absl::StrCat("ingest.", c.name, ".engagements_per_s"),
                static_cast<double>(sent->engagements) / seconds, "1/s",
                settings});
  }
  (*server)->Terminate();
  return absl::OkStatus();
}

}  // namespace

absl::Status RunIngest(const BenchOptions& options, Report& report) {
  std::vector<Config> configs;
  for (int b : options.ingest_batches) {
    configs.push_back({absl::StrCat("batch", b), b, false});
  }
  configs.push_back({"dedupe.batch10000", 10'000, true});
  if (absl::Status s = RunServer(options, false, configs, report); !s.ok()) {
    return s;
  }
  return RunServer(options, true, {{"sync.batch10000", 10'000, false}}, report);
}

}  // namespace pulse::bench
