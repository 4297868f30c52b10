// Validation of requests at the service edge: once, with messages that name
// the field and the item's index.
#ifndef PULSE_SERVER_VALIDATION_H_
#define PULSE_SERVER_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pulse/v1/analytics.pb.h"
#include "storage/store.h"

namespace pulse::server {

// Longest accepted id (post, account, event, user, producer, hashtag).
inline constexpr size_t kMaxIdBytes = 256;
// Most hashtags on one post.
inline constexpr int kMaxHashtags = 32;
// Most posts one BatchGetPostStats may ask for.
inline constexpr int kMaxBatchGet = 1000;
// Most entries of a board.
inline constexpr int kMaxBoardLimit = 1000;
// Most buckets one QueryTimeSeries may return.
inline constexpr int64_t kMaxSeriesPoints = 10'000;
// Largest |count| of one engagement and |delta| of one follow change: sums
// of a billion such items still fit an int64.
inline constexpr int64_t kMaxItemCount = 1'000'000'000;
// How far in the future an event's time may be.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

// An IngestRequest turned into what storage takes, with the rejected items.
struct ValidatedBatch {
  storage::WriteInput input;
  std::vector<v1::RejectedItem> rejected;
  // Index in the request of each item of input.engagements / input.follows.
  std::vector<int> engagement_index;
  std::vector<int> follow_index;
};

// Validates a batch. Batch-level problems (too many items, a producer_id
// without a sequence) and a batch whose every item is invalid are
// INVALID_ARGUMENT; otherwise invalid items are listed and the rest taken.
// Missing times default to `now`.
absl::StatusOr<ValidatedBatch> ValidateIngest(const v1::IngestRequest& request,
                                              int max_batch_items,
                                              absl::Time now);

// A hashtag as it is stored: without one leading '#'. Ingest strips it from
// Post.hashtags, and every read (GetHashtagStats, QueryTimeSeries, TopPosts,
// Subscribe) from the hashtag asked for, so "#travel" and "travel" are one.
inline std::string HashtagName(absl::string_view tag) {
  if (!tag.empty() && tag.front() == '#') tag.remove_prefix(1);
  return std::string(tag);
}

// Each returns OK or INVALID_ARGUMENT naming the field.
absl::Status ValidateId(const std::string& value, const std::string& field);
absl::Status ValidateBatchGet(const v1::BatchGetPostStatsRequest& request);
absl::Status ValidateAccountStats(const v1::GetAccountStatsRequest& request);
absl::Status ValidateTimeSeries(const v1::QueryTimeSeriesRequest& request,
                                absl::Time now);
absl::Status ValidateTopPosts(const v1::TopPostsRequest& request,
                              const std::vector<absl::Duration>& windows,
                              const std::string& prefix = "");
absl::Status ValidateTrending(const v1::TrendingHashtagsRequest& request,
                              const std::vector<absl::Duration>& windows,
                              const std::string& prefix = "");

// The storage resolution of a (validated) proto resolution; UNSPECIFIED is
// MINUTE.
storage::Resolution ToStorage(v1::Resolution resolution);

}  // namespace pulse::server

#endif  // PULSE_SERVER_VALIDATION_H_
