#include "clients/batch_builder.h"

#include <utility>

namespace pulse {

int64_t ItemCount(const v1::IngestRequest& request) {
  return static_cast<int64_t>(request.posts_size()) +
         request.engagements_size() + request.follows_size();
}

BatchBuilder::BatchBuilder(int64_t max_items)
    : max_items_(max_items < 1 ? 1 : max_items) {}

std::vector<v1::IngestRequest> BatchBuilder::Add(
    v1::IngestRequest contribution) {
  std::vector<v1::IngestRequest> out;
  if (!contribution.producer_id().empty() || contribution.sequence() != 0) {
    if (std::optional<v1::IngestRequest> pending = Flush()) {
      out.push_back(*std::move(pending));
    }
    out.push_back(std::move(contribution));
    return out;
  }
  // Posts first, so that a post and its engagements on the same line stay
  // in order when the line straddles two batches.
  for (v1::Post& post : *contribution.mutable_posts()) {
    *pending_.add_posts() = std::move(post);
    ++pending_items_;
    EmitIfFull(&out);
  }
  for (v1::Engagement& engagement : *contribution.mutable_engagements()) {
    *pending_.add_engagements() = std::move(engagement);
    ++pending_items_;
    EmitIfFull(&out);
  }
  for (v1::FollowChange& follow : *contribution.mutable_follows()) {
    *pending_.add_follows() = std::move(follow);
    ++pending_items_;
    EmitIfFull(&out);
  }
  return out;
}

std::optional<v1::IngestRequest> BatchBuilder::Flush() {
  if (pending_items_ == 0) return std::nullopt;
  v1::IngestRequest batch = std::move(pending_);
  pending_.Clear();
  pending_items_ = 0;
  return batch;
}

void BatchBuilder::EmitIfFull(std::vector<v1::IngestRequest>* out) {
  if (pending_items_ < max_items_) return;
  if (std::optional<v1::IngestRequest> batch = Flush()) {
    out->push_back(*std::move(batch));
  }
}

}  // namespace pulse
