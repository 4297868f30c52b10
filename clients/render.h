// The human-readable output of each `pulse` query: a field list for one
// entity, a table for lists. Machine output is protobuf JSON instead.
#ifndef PULSE_CLIENTS_RENDER_H_
#define PULSE_CLIENTS_RENDER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// One post's figures as aligned "name  value" lines.
std::string RenderPostStats(const v1::PostStats& stats);

// Many posts' figures, one table row each.
std::string RenderPostStatsTable(const v1::BatchGetPostStatsResponse& batch);

// One account's figures.
std::string RenderAccountStats(const v1::AccountStats& stats);

// One hashtag's figures.
std::string RenderHashtagStats(const v1::HashtagStats& stats);

// The global figures.
std::string RenderGlobalStats(const v1::GlobalStats& stats);

// A title line ("likes per minute, 3 points") and a TIME/VALUE table.
std::string RenderTimeSeries(const v1::QueryTimeSeriesResponse& series);

// A title line ("top posts by engagements, last 1h, as of ...") and a table.
std::string RenderTopPosts(const v1::TopPostsResponse& top);

// A title line and a RANK/HASHTAG/CURRENT/PREVIOUS/GROWTH table.
std::string RenderTrending(const v1::TrendingHashtagsResponse& trending);

// The merged state of a subscription (see WatchState) as one screen: a
// "seq N  TIME  snapshot|update" line, then a section per watched kind.
std::string RenderWatch(const v1::Update& merged);

// The summary of an ingest: counts, then the first `max_rejected` rejected
// items with their field and reason, and their input line when `line_of`
// (may be empty) knows it (non-zero) for any of them.
std::string RenderIngestSummary(
    const v1::IngestStreamResponse& summary, int max_rejected,
    const std::function<int64_t(const v1::RejectedItem&)>& line_of = nullptr);

// `message` as one line of protobuf JSON (lowerCamelCase, zero values
// included, int64 as strings).
absl::StatusOr<std::string> ToJsonLine(
    const google::protobuf::Message& message);

}  // namespace pulse

#endif  // PULSE_CLIENTS_RENDER_H_
