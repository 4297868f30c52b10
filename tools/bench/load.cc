#include "tools/bench/load.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace pulse::bench {

loadgen::FirehoseOptions FirehoseFor(int64_t posts, uint64_t seed) {
  loadgen::FirehoseOptions o;
  o.seed = seed;
  o.posts = posts;
  o.accounts = std::max<int64_t>(100, posts / 10);
  o.hashtags = std::max<int64_t>(100, std::min<int64_t>(posts / 20, 50'000));
  o.producer_id = absl::StrCat("bench-", seed);
  // Simulated time runs at the benchmark's pace, so bursts and trends happen.
  o.nominal_rate = 50'000;
  return o;
}

absl::StatusOr<SendResult> SendBatches(
    Client& client, const std::vector<v1::IngestRequest>& batches,
    int per_call) {
  SendResult result;
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < batches.size();) {
    std::unique_ptr<IngestStream> call = client.StartIngestStream();
    int64_t engagements = 0;
    int n = 0;
    for (; i < batches.size() && n < per_call; ++i, ++n) {
      if (!call->Write(batches[i])) break;
      engagements += batches[i].engagements_size();
    }
    absl::StatusOr<v1::IngestStreamResponse> summary = call->Finish();
    if (!summary.ok()) return summary.status();
    if (summary->rejected() > 0 || summary->duplicate_batches() > 0 ||
        summary->batches() != n) {
      return absl::InternalError(absl::StrCat(
          "ingest summary: batches ", summary->batches(), "/", n,
          ", duplicate batches ", summary->duplicate_batches(), ", rejected ",
          summary->rejected(),
          summary->rejected_items_size() > 0
              ? absl::StrCat(" (", summary->rejected_items(0).field(), ": ",
                             summary->rejected_items(0).reason(), ")")
              : ""));
    }
    result.batches += n;
    result.engagements += engagements;
    result.accepted += summary->accepted();
    result.duplicates += summary->duplicates();
    result.rejected += summary->rejected();
  }
  result.elapsed = absl::Now() - start;
  return result;
}

absl::StatusOr<SendResult> AnnouncePosts(Client& client,
                                         loadgen::Firehose& firehose) {
  SendResult total;
  const absl::Time start = absl::Now();
  while (firehose.warming_up()) {
    std::vector<v1::IngestRequest> chunk;
    for (int i = 0; i < 16 && firehose.warming_up(); ++i) {
      chunk.push_back(firehose.NextBatch(absl::Now(), 10'000));
    }
    absl::StatusOr<SendResult> sent = SendBatches(client, chunk, 16);
    if (!sent.ok()) return sent.status();
    total.AddCounts(*sent);
  }
  total.elapsed = absl::Now() - start;
  return total;
}

std::vector<v1::IngestRequest> MakeBatches(loadgen::Firehose& firehose,
                                           int batch_size, int64_t engagements,
                                           bool event_ids) {
  std::vector<v1::IngestRequest> batches;
  int64_t made = 0;
  while (made < engagements) {
    v1::IngestRequest batch = firehose.NextBatch(absl::Now(), batch_size);
    made += batch.engagements_size();
    if (event_ids) {
      const std::string prefix =
          absl::StrCat(batch.producer_id(), "-", batch.sequence(), "-");
      batch.clear_producer_id();
      batch.set_sequence(0);
      for (int i = 0; i < batch.engagements_size(); ++i) {
        batch.mutable_engagements(i)->set_event_id(
            absl::StrCat(prefix, "e", i));
      }
      for (int i = 0; i < batch.follows_size(); ++i) {
        batch.mutable_follows(i)->set_event_id(absl::StrCat(prefix, "f", i));
      }
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

absl::StatusOr<SendResult> Preload(Client& client, loadgen::Firehose& firehose,
                                   int64_t engagements) {
  SendResult total;
  const absl::Time start = absl::Now();
  while (total.engagements < engagements) {
    std::vector<v1::IngestRequest> chunk =
        MakeBatches(firehose, 10'000,
                    std::min<int64_t>(200'000, engagements - total.engagements),
                    /*event_ids=*/false);
    absl::StatusOr<SendResult> sent = SendBatches(client, chunk, 64);
    if (!sent.ok()) return sent.status();
    total.AddCounts(*sent);
  }
  total.elapsed = absl::Now() - start;
  return total;
}

std::vector<std::string> EngagedPosts(
    const std::vector<v1::IngestRequest>& batches, size_t max) {
  std::vector<std::string> ids;
  for (const v1::IngestRequest& b : batches) {
    for (const v1::Engagement& e : b.engagements()) {
      if (ids.size() >= max) return ids;
      ids.push_back(e.post_id());
    }
  }
  return ids;
}

}  // namespace pulse::bench
