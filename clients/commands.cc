#include "clients/commands.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "clients/cli_values.h"
#include "clients/render.h"
#include "clients/table.h"

namespace pulse {

absl::Status Emit(const google::protobuf::Message& message,
                  const std::string& human, const Output& output) {
  if (!output.json) {
    *output.out << human;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> json = ToJsonLine(message);
  if (!json.ok()) return json.status();
  *output.out << *json << "\n";
  return absl::OkStatus();
}

absl::StatusOr<v1::QueryTimeSeriesRequest> BuildSeriesRequest(
    const SeriesArgs& args, absl::Time now) {
  v1::QueryTimeSeriesRequest request;
  int entities = 0;
  if (!args.post_id.empty()) {
    request.set_post_id(args.post_id);
    ++entities;
  }
  if (!args.account_id.empty()) {
    request.set_account_id(args.account_id);
    ++entities;
  }
  if (!args.hashtag.empty()) {
    request.set_hashtag(args.hashtag);
    ++entities;
  }
  if (args.global) {
    request.set_global(true);
    ++entities;
  }
  if (entities != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of --post, --account, --hashtag, --global");
  }
  if (!args.metric.empty()) {
    absl::StatusOr<v1::Metric> metric = ParseMetric(args.metric);
    if (!metric.ok()) return metric.status();
    request.set_metric(*metric);
  }
  if (!args.resolution.empty()) {
    absl::StatusOr<v1::Resolution> resolution =
        ParseResolution(args.resolution);
    if (!resolution.ok()) return resolution.status();
    request.set_resolution(*resolution);
  }
  if (args.start.empty()) {
    if (!args.end.empty()) {
      return absl::InvalidArgumentError("--end needs --start");
    }
    if (args.since <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("--since must be positive");
    }
    *request.mutable_start_time() = ToProtoTimestamp(now - args.since);
    return request;
  }
  absl::StatusOr<absl::Time> start = ParseRfc3339("start", args.start);
  if (!start.ok()) return start.status();
  *request.mutable_start_time() = ToProtoTimestamp(*start);
  if (!args.end.empty()) {
    absl::StatusOr<absl::Time> end = ParseRfc3339("end", args.end);
    if (!end.ok()) return end.status();
    *request.mutable_end_time() = ToProtoTimestamp(*end);
  }
  return request;
}

namespace {

// INVALID_ARGUMENT naming the flag (`prefix` + "window", + "limit") unless
// the window is positive and the limit within 1..kMaxBoardLimit.
absl::Status CheckBoard(absl::string_view prefix, absl::Duration window,
                        int32_t limit) {
  if (window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", prefix, "window must be positive (e.g. 1h), not ",
                     absl::FormatDuration(window)));
  }
  if (limit < 1 || limit > kMaxBoardLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", prefix, "limit must be 1 to ", kMaxBoardLimit, ", not ", limit));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::TopPostsRequest> BuildTopPostsRequest(
    absl::Duration window, const std::string& metric, int32_t limit,
    const std::string& account_id, const std::string& hashtag,
    absl::string_view flag_prefix) {
  if (absl::Status board = CheckBoard(flag_prefix, window, limit);
      !board.ok()) {
    return board;
  }
  v1::TopPostsRequest request;
  *request.mutable_window() = ToProtoDuration(window);
  if (!metric.empty()) {
    absl::StatusOr<v1::Metric> parsed = ParseMetric(metric);
    if (!parsed.ok()) return parsed.status();
    request.set_metric(*parsed);
  }
  request.set_limit(limit);
  request.set_account_id(account_id);
  request.set_hashtag(hashtag);
  return request;
}

absl::StatusOr<v1::TrendingHashtagsRequest> BuildTrendingRequest(
    absl::Duration window, const std::string& metric, int32_t limit,
    int64_t min_count, absl::string_view flag_prefix) {
  if (absl::Status board = CheckBoard(flag_prefix, window, limit);
      !board.ok()) {
    return board;
  }
  if (min_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--min_count must not be negative, not ", min_count));
  }
  v1::TrendingHashtagsRequest request;
  *request.mutable_window() = ToProtoDuration(window);
  if (!metric.empty()) {
    absl::StatusOr<v1::Metric> parsed = ParseMetric(metric);
    if (!parsed.ok()) return parsed.status();
    request.set_metric(*parsed);
  }
  request.set_limit(limit);
  request.set_min_count(min_count);
  return request;
}

absl::Status RunStats(Client& client, const std::vector<std::string>& post_ids,
                      const Output& output) {
  if (post_ids.size() == 1) {
    v1::GetPostStatsRequest request;
    request.set_post_id(post_ids[0]);
    absl::StatusOr<v1::PostStats> stats = client.GetPostStats(request);
    if (!stats.ok()) return stats.status();
    return Emit(*stats, RenderPostStats(*stats), output);
  }
  v1::BatchGetPostStatsRequest request;
  for (const std::string& id : post_ids) request.add_post_ids(id);
  absl::StatusOr<v1::BatchGetPostStatsResponse> batch =
      client.BatchGetPostStats(request);
  if (!batch.ok()) return batch.status();
  // Unlike one post (NOT_FOUND), several list an unknown one with zeros: say
  // so where a script's output parser will not trip on it.
  std::vector<std::string> unknown;
  for (const v1::PostStats& stats : batch->posts()) {
    if (!stats.known()) unknown.push_back(stats.post_id());
  }
  if (!unknown.empty()) {
    *output.err << "pulse: warning: unknown post"
                << (unknown.size() == 1 ? ": " : "s: ")
                << absl::StrJoin(unknown, ", ") << "\n";
  }
  if (!output.json) {
    *output.out << RenderPostStatsTable(*batch);
    return absl::OkStatus();
  }
  for (const v1::PostStats& stats : batch->posts()) {
    absl::Status emitted = Emit(stats, "", output);
    if (!emitted.ok()) return emitted;
  }
  return absl::OkStatus();
}

absl::Status RunAccount(Client& client,
                        const v1::GetAccountStatsRequest& request,
                        const Output& output) {
  absl::StatusOr<v1::AccountStats> stats = client.GetAccountStats(request);
  if (!stats.ok()) return stats.status();
  return Emit(*stats, RenderAccountStats(*stats), output);
}

absl::Status RunHashtag(Client& client, const std::string& hashtag,
                        const Output& output) {
  v1::GetHashtagStatsRequest request;
  request.set_hashtag(hashtag);
  absl::StatusOr<v1::HashtagStats> stats = client.GetHashtagStats(request);
  if (!stats.ok()) return stats.status();
  return Emit(*stats, RenderHashtagStats(*stats), output);
}

absl::Status RunGlobal(Client& client, const Output& output) {
  absl::StatusOr<v1::GlobalStats> stats =
      client.GetGlobalStats(v1::GetGlobalStatsRequest());
  if (!stats.ok()) return stats.status();
  return Emit(*stats, RenderGlobalStats(*stats), output);
}

absl::Status RunSeries(Client& client,
                       const v1::QueryTimeSeriesRequest& request,
                       const Output& output) {
  absl::StatusOr<v1::QueryTimeSeriesResponse> series =
      client.QueryTimeSeries(request);
  if (!series.ok()) return series.status();
  return Emit(*series, RenderTimeSeries(*series), output);
}

absl::Status RunTop(Client& client, const v1::TopPostsRequest& request,
                    const Output& output) {
  absl::StatusOr<v1::TopPostsResponse> top = client.TopPosts(request);
  if (!top.ok()) return top.status();
  return Emit(*top, RenderTopPosts(*top), output);
}

absl::Status RunTrending(Client& client,
                         const v1::TrendingHashtagsRequest& request,
                         const Output& output) {
  absl::StatusOr<v1::TrendingHashtagsResponse> trending =
      client.TrendingHashtags(request);
  if (!trending.ok()) return trending.status();
  return Emit(*trending, RenderTrending(*trending), output);
}

}  // namespace pulse
