// Feeding a pulse-server with loadgen's firehose for the scenarios:
// announcing the posts, pre-generating measured batches (so the generator's
// cost stays out of the measurement) and sending them through IngestStream.
#ifndef PULSE_TOOLS_BENCH_LOAD_H_
#define PULSE_TOOLS_BENCH_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "pulse/v1/analytics.pb.h"
#include "tools/loadgen/firehose.h"

namespace pulse::bench {

// The firehose every scenario uses: loadgen's defaults with `posts` live
// posts, accounts and hashtags scaled with them.
loadgen::FirehoseOptions FirehoseFor(int64_t posts, uint64_t seed);

// What an IngestStream run acknowledged.
struct SendResult {
  int64_t batches = 0;
  int64_t engagements = 0;  // in acknowledged, non-duplicate batches
  int64_t accepted = 0;     // the servers' summaries, all items
  int64_t duplicates = 0;
  int64_t rejected = 0;
  absl::Duration elapsed;

  // Adds `other`'s counts (not its elapsed time).
  void AddCounts(const SendResult& other) {
    batches += other.batches;
    engagements += other.engagements;
    accepted += other.accepted;
    duplicates += other.duplicates;
    rejected += other.rejected;
  }
};

// Sends `batches` over IngestStream calls of at most `per_call` batches each
// (a call's summary acknowledges it), back to back. Blocks. An error when a
// call fails or anything is rejected.
absl::StatusOr<SendResult> SendBatches(
    Client& client, const std::vector<v1::IngestRequest>& batches,
    int per_call);

// Sends the firehose's initial post announcements (batches of 10,000).
absl::StatusOr<SendResult> AnnouncePosts(Client& client,
                                         loadgen::Firehose& firehose);

// The next batches of `batch_size` items holding about `engagements`
// engagements. With `event_ids`, the producer id is cleared and every
// engagement and follow gets a unique event_id (per-event dedupe instead of
// producer idempotency).
std::vector<v1::IngestRequest> MakeBatches(loadgen::Firehose& firehose,
                                           int batch_size, int64_t engagements,
                                           bool event_ids);

// Generates and sends `engagements` more in batches of 10,000 (generation
// interleaved with sending, for pre-loading). Blocks.
absl::StatusOr<SendResult> Preload(Client& client, loadgen::Firehose& firehose,
                                   int64_t engagements);

// The post ids that `batches` engage with, one per engagement (so sampling
// from it follows the firehose's popularity).
std::vector<std::string> EngagedPosts(
    const std::vector<v1::IngestRequest>& batches, size_t max);

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_LOAD_H_
