// Groups the items of many JSON lines into IngestRequests of bounded size.
#ifndef PULSE_CLIENTS_BATCH_BUILDER_H_
#define PULSE_CLIENTS_BATCH_BUILDER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "pulse/v1/analytics.pb.h"

namespace pulse {

// The number of items (posts + engagements + follows) of `request`.
int64_t ItemCount(const v1::IngestRequest& request);

// Accumulates items, in order, into batches of at most max_items items.
// A contribution that carries its own producer_id or sequence is a batch
// with an identity: it is never split or merged, and goes out whole after
// the items added before it. Not thread-safe.
class BatchBuilder {
 public:
  // Requires max_items >= 1.
  explicit BatchBuilder(int64_t max_items);

  // Adds the items of `contribution`; returns the batches it completed,
  // oldest first (often none).
  std::vector<v1::IngestRequest> Add(v1::IngestRequest contribution);

  // Returns the pending partial batch, if it holds any item, and starts anew.
  std::optional<v1::IngestRequest> Flush();

  // The number of items waiting in the partial batch.
  int64_t pending_items() const { return pending_items_; }

 private:
  // Moves the pending batch to `out` when it is full.
  void EmitIfFull(std::vector<v1::IngestRequest>* out);

  int64_t max_items_;
  v1::IngestRequest pending_;
  int64_t pending_items_ = 0;
};

}  // namespace pulse

#endif  // PULSE_CLIENTS_BATCH_BUILDER_H_
