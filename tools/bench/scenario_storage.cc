// Storage: sustained ingest into a growing store (engagements per second and
// the server's CPU per engagement), bytes on disk per million engagements
// after a full compaction
// (done in-process with pulse_storage once the server has stopped), and the
// server's restart time over that data: exec to serving, and exec to the
// boards answering (they are rebuilt in the background past
// --boards_rebuild_wait).
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "storage/store.h"
#include "tools/bench/child_process.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace pulse::bench {

absl::Status RunStorage(const BenchOptions& options, Report& report) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::vector<std::string> argv = {
      options.server_bin, "--data_dir=" + data, "--log_level=warn"};
  const int64_t posts =
      std::min<int64_t>(options.posts, options.storage_engagements / 10 + 1);
  int64_t stored = 0;
  double ingest_seconds = 0;
  double ingest_cpu_seconds = 0;
  {
    absl::StatusOr<std::unique_ptr<ChildProcess>> server =
        ChildProcess::Start(argv, dir.path() + "/server");
    if (!server.ok()) return server.status();
    absl::StatusOr<std::unique_ptr<Client>> client =
        Client::Connect((*server)->address());
    if (!client.ok()) return client.status();
    loadgen::Firehose firehose(FirehoseFor(posts, 4));
    if (auto s = AnnouncePosts(**client, firehose); !s.ok()) return s.status();
    const double cpu0 = (*server)->CpuSeconds();
    absl::StatusOr<SendResult> sent =
        Preload(**client, firehose, options.storage_engagements);
    if (!sent.ok()) return sent.status();
    stored = sent->engagements;
    ingest_seconds = absl::ToDoubleSeconds(sent->elapsed);
    ingest_cpu_seconds = (*server)->CpuSeconds() - cpu0;
    if ((*server)->Terminate() != 0) {
      return absl::InternalError("pulse-server did not exit cleanly");
    }
  }
  const int64_t before = DirectoryBytes(data);
  {
    storage::StoreOptions store_options;
    store_options.data_dir = data;
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open(store_options);
    if (!store.ok()) return store.status();
    if (absl::Status s = (*store)->CompactAll(); !s.ok()) return s;
  }
  const int64_t after = DirectoryBytes(data);
  Settings settings;
  settings.Num("engagements", static_cast<double>(stored))
      .Num("posts", static_cast<double>(posts))
      .Num("bytes_before_compaction", static_cast<double>(before))
      .Num("bytes_after_compaction", static_cast<double>(after))
      .Num("ingest_seconds", ingest_seconds);
  // Sustained ingest into a growing store: unlike the ingest scenario's
  // short runs, this one pays for the compactions that a filling store needs.
  Settings ingest_settings;
  ingest_settings.Num("engagements", static_cast<double>(stored))
      .Num("posts", static_cast<double>(posts))
      .Num("seconds", ingest_seconds)
      .Num("server_cpu_s", ingest_cpu_seconds);
  report.Add({"storage.ingest.engagements_per_s",
              static_cast<double>(stored) / ingest_seconds, "1/s",
              ingest_settings});
  report.Add({"storage.ingest.server_cpu_us_per_engagement",
              ingest_cpu_seconds * 1e6 / static_cast<double>(stored), "us",
              ingest_settings});
  report.Add({"storage.bytes_per_million_engagements",
              static_cast<double>(after) * 1e6 / static_cast<double>(stored),
              "B", settings});

  absl::StatusOr<std::unique_ptr<ChildProcess>> restarted =
      ChildProcess::Start(argv, dir.path() + "/restart");
  if (!restarted.ok()) return restarted.status();
  // Serving means answering a query, not only having bound the port.
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect((*restarted)->address());
  if (!client.ok()) return client.status();
  const absl::Time t0 = absl::Now();
  absl::StatusOr<v1::GlobalStats> global =
      (*client)->GetGlobalStats(v1::GetGlobalStatsRequest());
  if (!global.ok()) return global.status();
  const double seconds =
      absl::ToDoubleSeconds((*restarted)->startup_time() + (absl::Now() - t0));
  Settings restart_settings;
  restart_settings.Num("engagements", static_cast<double>(stored))
      .Num("bytes_on_disk", static_cast<double>(after))
      .Num("global_engagements_seen",
           static_cast<double>(global->impressions() + global->engagements()));
  report.Add({absl::StrCat("restart.", options.storage_engagements, ".seconds"),
              seconds, "s", restart_settings});

  // UNAVAILABLE while the boards are rebuilt; polled, bounded.
  absl::StatusOr<v1::TopPostsResponse> top;
  const absl::Time deadline = absl::Now() + absl::Minutes(30);
  while (!(top = (*client)->TopPosts(v1::TopPostsRequest())).ok()) {
    if (top.status().code() != absl::StatusCode::kUnavailable ||
        absl::Now() > deadline) {
      return top.status();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  report.Add(
      {absl::StrCat("restart.", options.storage_engagements,
                    ".boards_ready_seconds"),
       absl::ToDoubleSeconds((*restarted)->startup_time() + (absl::Now() - t0)),
       "s", restart_settings});
  (*restarted)->Terminate();
  return absl::OkStatus();
}

}  // namespace pulse::bench
