#include "clients/ingest_summary.h"

#include "absl/strings/str_cat.h"

namespace pulse {

void AddToSummary(int64_t batch_index, const v1::IngestResponse& response,
                  v1::IngestStreamResponse* summary) {
  summary->set_batches(summary->batches() + 1);
  if (response.duplicate_batch()) {
    summary->set_duplicate_batches(summary->duplicate_batches() + 1);
  }
  summary->set_accepted(summary->accepted() + response.accepted());
  summary->set_duplicates(summary->duplicates() + response.duplicates());
  summary->set_rejected(summary->rejected() + response.rejected());
  summary->set_unknown_post_engagements(summary->unknown_post_engagements() +
                                        response.unknown_post_engagements());
  for (const v1::RejectedItem& item : response.rejected_items()) {
    if (summary->rejected_items_size() >= kMaxSummaryRejectedItems) break;
    v1::RejectedItem* kept = summary->add_rejected_items();
    *kept = item;
    kept->set_field(absl::StrCat("batch[", batch_index, "].", item.field()));
  }
}

}  // namespace pulse
