// Any bytes as an IngestRequest, through what AnalyticsService::Ingest does
// with it: the protobuf parse gRPC does, ValidateIngest at the service edge,
// then Store::Write of what validation let through into a real RocksDB (in a
// temp dir, opened once per process) and reads of what was written. The
// store remembers ids for 1 ms and its clock moves 2 ms before each input,
// so ids seen by earlier inputs are forgotten: each input is written as if to
// a fresh store (dedupe within it still applies), and replays the same.
// Properties: no crash, no UB, and validation's accounting adds up (every
// item is either taken or rejected once, ids taken are within bounds).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "pulse/v1/analytics.pb.h"
#include "server/validation.h"
#include "storage/clock.h"
#include "storage/store.h"
#include "tools/fuzz/fuzz_check.h"

namespace {

using pulse::server::kMaxIdBytes;

// Fixed, so that a crashing input replays the same; the seed corpus uses
// times around it.
const absl::Time kNow = absl::FromUnixSeconds(1'767'225'600);  // 2026-01-01

struct Db {
  pulse::storage::ManualClock clock{kNow};
  std::filesystem::path dir;
  std::unique_ptr<pulse::storage::Store> store;
  ~Db() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Db& TheDb() {
  static Db* db = [] {
    auto* d = new Db;
    std::string dir =
        (std::filesystem::temp_directory_path() / "pulse-ingest-fuzz-XXXXXX")
            .string();
    PULSE_FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "a temp dir");
    d->dir = dir;
    pulse::storage::StoreOptions options;
    options.data_dir = dir;
    options.post_cache_entries = 10'000;
    options.clock = &d->clock;
    options.dedupe_retention = absl::Milliseconds(1);
    auto store = pulse::storage::Store::Open(options);
    PULSE_FUZZ_CHECK(store.ok(), "the store opens");
    d->store = std::move(*store);
    // The database is deleted at exit.
    std::atexit([] { delete db; });
    return d;
  }();
  return *db;
}

void CheckAccounting(const pulse::v1::IngestRequest& request,
                     const pulse::server::ValidatedBatch& batch) {
  const size_t items = static_cast<size_t>(request.posts_size()) +
                       request.engagements_size() + request.follows_size();
  const auto& in = batch.input;
  PULSE_FUZZ_CHECK(in.posts.size() + in.engagements.size() + in.follows.size() +
                           batch.rejected.size() ==
                       items,
                   "every item is taken or rejected, once");
  PULSE_FUZZ_CHECK(batch.engagement_index.size() == in.engagements.size() &&
                       batch.follow_index.size() == in.follows.size(),
                   "every item taken has its request index");
  for (const auto& rejected : batch.rejected) {
    PULSE_FUZZ_CHECK(!rejected.field().empty() && !rejected.reason().empty(),
                     "a rejected item names its field and reason");
  }
  for (const auto& p : in.posts) {
    PULSE_FUZZ_CHECK(!p.post_id.empty() && p.post_id.size() <= kMaxIdBytes &&
                         !p.account_id.empty() &&
                         p.account_id.size() <= kMaxIdBytes,
                     "a post taken has valid ids");
  }
  for (const auto& e : in.engagements) {
    PULSE_FUZZ_CHECK(!e.post_id.empty() && e.post_id.size() <= kMaxIdBytes &&
                         e.event_id.size() <= kMaxIdBytes &&
                         e.user_id.size() <= kMaxIdBytes && e.count != 0,
                     "an engagement taken has valid ids and a count");
  }
}

}  // namespace

// Protobuf logs every string field that is not UTF-8; parsing still fails,
// as it does for gRPC, and the log only slows fuzzing down.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pulse::v1::IngestRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<pulse::server::ValidatedBatch> batch =
      pulse::server::ValidateIngest(request, /*max_batch_items=*/10'000, kNow);
  if (!batch.ok()) return 0;
  CheckAccounting(request, *batch);

  Db& db = TheDb();
  db.clock.Advance(absl::Milliseconds(2));
  pulse::storage::Store& store = *db.store;
  absl::StatusOr<pulse::storage::WriteResult> written =
      store.Write(batch->input);
  PULSE_FUZZ_CHECK(written.ok(), "a validated batch is written");
  for (const auto& e : batch->input.engagements) {
    PULSE_FUZZ_CHECK(
        store.GetTotals(pulse::storage::Scope::kPost, e.post_id).ok(),
        "totals read back");
    PULSE_FUZZ_CHECK(
        store.EstimateUniqueUsers(pulse::storage::Scope::kPost, e.post_id).ok(),
        "unique users read back");
  }
  for (const auto& p : batch->input.posts) {
    PULSE_FUZZ_CHECK(store.GetPost(p.post_id).ok(), "a post reads back");
  }
  return 0;
}
