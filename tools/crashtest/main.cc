// crashtest: kill -9 pulse-server at random moments while a producer streams
// batches, restart it, and check that every count is exactly what the
// producer sent: nothing acknowledged is lost, nothing re-sent counts twice.
//
// Each round: start the server on the same data dir, ingest batches with a
// producer id and increasing sequences from a writer thread, kill -9 the
// server after a random delay, restart it, re-send every batch that was not
// acknowledged (same sequence: the server recognises those that did land),
// then compare the global and per-post totals with what was sent.
#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/command_line.h"
#include "tests/server_process.h"
#include "tests/time_scale.h"

ABSL_FLAG(int, rounds, 20, "Crash-and-restart rounds, 1 or more.");
ABSL_FLAG(int, batch_size, 200, "Likes per batch, 1 or more.");
ABSL_FLAG(int, max_delay_ms, 400,
          "A round kills the server after 0..this ms (0 or more).");
ABSL_FLAG(uint32_t, seed, 1, "Random seed for the kill moments.");
ABSL_FLAG(std::string, data_dir, "",
          "Data dir to use (default: a fresh temp dir).");

namespace pulse::crashtest {
namespace {

constexpr int kPosts = 10;

v1::IngestRequest Batch(uint64_t sequence, int size) {
  v1::IngestRequest batch;
  batch.set_producer_id("crashtest");
  batch.set_sequence(sequence);
  for (int i = 0; i < size; ++i) {
    v1::Engagement* e = batch.add_engagements();
    e->set_post_id(absl::StrCat("p", (sequence + i) % kPosts));
    e->set_kind(v1::LIKE);
  }
  return batch;
}

// Stretched with the sanitizers' slowdown (tests/time_scale.h): a re-send
// right after a restart must not fail for a slow build's sake.
bool Send(v1::AnalyticsService::Stub* stub, const v1::IngestRequest& batch) {
  grpc::ClientContext ctx;
  ctx.set_deadline(
      absl::ToChronoTime(absl::Now() + testing::Scaled(absl::Seconds(2))));
  v1::IngestResponse response;
  return stub->Ingest(&ctx, batch, &response).ok();
}

// Says on stderr what is wrong with each flag out of range; false if any is.
bool FlagsInRange() {
  bool ok = true;
  auto refuse = [&ok](const char* flag, int value, const char* what) {
    std::fprintf(stderr, "crashtest: --%s=%d: %s\n", flag, value, what);
    ok = false;
  };
  if (absl::GetFlag(FLAGS_rounds) < 1) {
    refuse("rounds", absl::GetFlag(FLAGS_rounds),
           "must be at least 1 (a run of no rounds tests nothing)");
  }
  if (absl::GetFlag(FLAGS_batch_size) < 1) {
    refuse("batch_size", absl::GetFlag(FLAGS_batch_size),
           "must be at least 1 like per batch (empty batches test nothing)");
  }
  if (absl::GetFlag(FLAGS_max_delay_ms) < 0) {
    refuse("max_delay_ms", absl::GetFlag(FLAGS_max_delay_ms),
           "must not be negative (0 kills each server at once)");
  }
  return ok;
}

int Run() {
  if (!FlagsInRange()) return pulse::server::kExitUsage;
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  std::mt19937 rng(absl::GetFlag(FLAGS_seed));
  std::uniform_int_distribution<int> delay(0,
                                           absl::GetFlag(FLAGS_max_delay_ms));
  testing::TempDir temp;
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir).empty()
                                   ? temp.path() + "/data"
                                   : absl::GetFlag(FLAGS_data_dir);

  uint64_t next_sequence = 1;
  int failures = 0;
  for (int round = 1; round <= rounds; ++round) {
    auto server = testing::ServerProcess::Start(data_dir);
    if (!server.ok()) {
      std::fprintf(stderr, "round %d: %s\n", round,
                   server.status().ToString().c_str());
      return 1;
    }
    auto stub = (*server)->stub();
    std::atomic<bool> stop{false};
    std::vector<uint64_t> unacked;  // at most one: the writer stops there
    uint64_t acked = 0;
    std::thread writer([&] {
      while (!stop) {
        const uint64_t sequence = next_sequence++;
        if (Send(stub.get(), Batch(sequence, batch_size))) {
          ++acked;
        } else {
          // Like an idempotent producer, never send past an unacknowledged
          // sequence: a later one landing first would make the server take
          // this one, re-sent, for a duplicate.
          unacked.push_back(sequence);
          break;
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
    (*server)->Kill9();
    stop = true;
    writer.join();

    // Restart; re-send what was not acknowledged until it is.
    server = testing::ServerProcess::Start(data_dir);
    if (!server.ok()) {
      std::fprintf(stderr, "round %d restart: %s\n", round,
                   server.status().ToString().c_str());
      return 1;
    }
    stub = (*server)->stub();
    for (uint64_t sequence : unacked) {
      if (!Send(stub.get(), Batch(sequence, batch_size))) {
        std::fprintf(stderr, "round %d: re-send of %llu failed\n", round,
                     static_cast<unsigned long long>(sequence));
        return 1;
      }
    }

    // Every batch 1..next_sequence-1 is now stored exactly once.
    const int64_t batches = static_cast<int64_t>(next_sequence - 1);
    v1::GlobalStats global;
    grpc::ClientContext ctx;
    const bool read =
        stub->GetGlobalStats(&ctx, v1::GetGlobalStatsRequest(), &global).ok();
    const int64_t expected = batches * batch_size;
    const bool exact = read && global.likes() == expected;
    std::printf(
        "round %d: killed after %llu acknowledged batches, %zu re-sent; likes "
        "%lld, "
        "expected %lld: %s\n",
        round, static_cast<unsigned long long>(acked), unacked.size(),
        static_cast<long long>(global.likes()),
        static_cast<long long>(expected), exact ? "ok" : "MISMATCH");
    if (!exact) ++failures;
    // The next round restarts it; a graceful stop is tested elsewhere.
    (*server)->Kill9();
  }
  std::printf("%d passed, %d failed\n", rounds - failures, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace pulse::crashtest

int main(int argc, char** argv) {
  pulse::server::ParseFlagsOnly(
      argc, argv,
      "Kills pulse-server with SIGKILL at random moments during ingest and "
      "checks "
      "that every count equals what was sent, exactly once.\n"
      "Usage: crashtest [--rounds=20] [--batch_size=200] [--max_delay_ms=400]",
      "tools/crashtest/main.cc");
  return pulse::crashtest::Run();
}
