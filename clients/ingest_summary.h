// Folds the answers of unary Ingest calls into one IngestStreamResponse, so
// that `pulse ingest` reports the same summary whichever RPC it used.
#ifndef PULSE_CLIENTS_INGEST_SUMMARY_H_
#define PULSE_CLIENTS_INGEST_SUMMARY_H_

#include <cstdint>

#include "pulse/v1/analytics.pb.h"

namespace pulse {

// The most rejected items a summary keeps, as IngestStream does.
inline constexpr int kMaxSummaryRejectedItems = 100;

// Adds the answer to the batch at `batch_index` (0-based) to `summary`;
// kept rejected items get "batch[i]." prefixed to their field path.
void AddToSummary(int64_t batch_index, const v1::IngestResponse& response,
                  v1::IngestStreamResponse* summary);

}  // namespace pulse

#endif  // PULSE_CLIENTS_INGEST_SUMMARY_H_
