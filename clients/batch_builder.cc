#include "clients/batch_builder.h"

#include <utility>

namespace pulse {

int64_t ItemCount(const v1::IngestRequest& request) {
  return static_cast<int64_t>(request.posts_size()) +
         request.engagements_size() + request.follows_size();
}

BatchBuilder::BatchBuilder(int64_t max_items)
    : max_items_(max_items < 1 ? 1 : max_items) {}

std::vector<Batch> BatchBuilder::Add(v1::IngestRequest contribution,
                                     int64_t line) {
  std::vector<Batch> out;
  if (!contribution.producer_id().empty() || contribution.sequence() != 0) {
    if (std::optional<Batch> pending = Flush()) {
      out.push_back(*std::move(pending));
    }
    Batch whole;
    whole.lines.posts.assign(contribution.posts_size(), line);
    whole.lines.engagements.assign(contribution.engagements_size(), line);
    whole.lines.follows.assign(contribution.follows_size(), line);
    whole.request = std::move(contribution);
    out.push_back(std::move(whole));
    return out;
  }
  // Posts first, so that a post and its engagements on the same line stay
  // in order when the line straddles two batches.
  for (v1::Post& post : *contribution.mutable_posts()) {
    *pending_.request.add_posts() = std::move(post);
    pending_.lines.posts.push_back(line);
    ++pending_items_;
    EmitIfFull(&out);
  }
  for (v1::Engagement& engagement : *contribution.mutable_engagements()) {
    *pending_.request.add_engagements() = std::move(engagement);
    pending_.lines.engagements.push_back(line);
    ++pending_items_;
    EmitIfFull(&out);
  }
  for (v1::FollowChange& follow : *contribution.mutable_follows()) {
    *pending_.request.add_follows() = std::move(follow);
    pending_.lines.follows.push_back(line);
    ++pending_items_;
    EmitIfFull(&out);
  }
  return out;
}

std::optional<Batch> BatchBuilder::Flush() {
  if (pending_items_ == 0) return std::nullopt;
  Batch batch = std::move(pending_);
  pending_ = Batch();
  pending_items_ = 0;
  return batch;
}

void BatchBuilder::EmitIfFull(std::vector<Batch>* out) {
  if (pending_items_ < max_items_) return;
  if (std::optional<Batch> batch = Flush()) {
    out->push_back(*std::move(batch));
  }
}

}  // namespace pulse
