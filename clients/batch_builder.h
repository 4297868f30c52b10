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

// The input line of each item of a batch, by repeated field, in its order.
struct ItemLines {
  std::vector<int64_t> posts, engagements, follows;
};

// A batch and where its items came from.
struct Batch {
  v1::IngestRequest request;
  ItemLines lines;
};

// Accumulates items, in order, into batches of at most max_items items.
// A contribution that carries its own producer_id or sequence is a batch
// with an identity: it is never split or merged, and goes out whole after
// the items added before it. Not thread-safe.
class BatchBuilder {
 public:
  // Requires max_items >= 1.
  explicit BatchBuilder(int64_t max_items);

  // Adds the items of `contribution`, read from input line `line`; returns
  // the batches it completed, oldest first (often none).
  std::vector<Batch> Add(v1::IngestRequest contribution, int64_t line = 0);

  // Returns the pending partial batch, if it holds any item, and starts anew.
  std::optional<Batch> Flush();

  // The number of items waiting in the partial batch.
  int64_t pending_items() const { return pending_items_; }

 private:
  // Moves the pending batch to `out` when it is full.
  void EmitIfFull(std::vector<Batch>* out);

  int64_t max_items_;
  Batch pending_;
  int64_t pending_items_ = 0;
};

}  // namespace pulse

#endif  // PULSE_CLIENTS_BATCH_BUILDER_H_
