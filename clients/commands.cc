#include "clients/commands.h"

#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/batch_builder.h"
#include "clients/cli_values.h"
#include "clients/ingest_summary.h"
#include "clients/json_lines.h"
#include "clients/render.h"
#include "clients/table.h"

namespace pulse {
namespace {

// How many rejected items the human-readable ingest summary lists.
constexpr int kRejectedItemsShown = 5;

// The least time between two progress lines.
constexpr absl::Duration kProgressInterval = absl::Milliseconds(200);

// Prints `message` as JSON or as `human` text.
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

// Prints "sent i/n batches (items)" over the previous progress line.
class Progress {
 public:
  Progress(bool enabled, size_t total, std::ostream* err)
      : enabled_(enabled), total_(total), err_(err) {}

  // Notes that `sent` batches holding `items` items are out.
  void Update(size_t sent, int64_t items) {
    if (!enabled_) return;
    absl::Time now = absl::Now();
    if (sent != total_ && now - last_ < kProgressInterval) return;
    last_ = now;
    *err_ << absl::StrFormat("\rsent %d/%d batches (%s items)", sent, total_,
                             FormatCount(items))
          << (sent == total_ ? "\n" : "") << std::flush;
  }

 private:
  bool enabled_;
  size_t total_;
  std::ostream* err_;
  absl::Time last_ = absl::InfinitePast();
};

absl::StatusOr<v1::IngestStreamResponse> SendStream(
    Client& client, const std::vector<v1::IngestRequest>& batches,
    Progress& progress, size_t* sent) {
  std::unique_ptr<IngestStream> stream = client.StartIngestStream();
  int64_t items = 0;
  for (const v1::IngestRequest& batch : batches) {
    if (!stream->Write(batch)) break;
    ++*sent;
    items += ItemCount(batch);
    progress.Update(*sent, items);
  }
  absl::StatusOr<v1::IngestStreamResponse> summary = stream->Finish();
  if (summary.ok() && *sent != batches.size()) {
    return absl::UnknownError("the ingest stream broke without a status");
  }
  return summary;
}

absl::StatusOr<v1::IngestStreamResponse> SendUnary(
    Client& client, const std::vector<v1::IngestRequest>& batches,
    Progress& progress, size_t* sent) {
  v1::IngestStreamResponse summary;
  int64_t items = 0;
  for (const v1::IngestRequest& batch : batches) {
    absl::StatusOr<v1::IngestResponse> response = client.Ingest(batch);
    if (!response.ok()) return response.status();
    AddToSummary(static_cast<int64_t>(*sent), *response, &summary);
    ++*sent;
    items += ItemCount(batch);
    progress.Update(*sent, items);
  }
  return summary;
}

}  // namespace

absl::StatusOr<std::vector<v1::IngestRequest>> ReadBatches(
    std::istream& in, const BatchingOptions& options) {
  BatchBuilder builder(options.batch_size);
  std::vector<v1::IngestRequest> batches;
  std::string line;
  for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
    absl::StatusOr<v1::IngestRequest> contribution =
        ParseJsonLine(line, line_number);
    if (!contribution.ok()) return contribution.status();
    for (v1::IngestRequest& batch : builder.Add(*std::move(contribution))) {
      batches.push_back(std::move(batch));
    }
  }
  if (in.bad()) return absl::DataLossError("error reading the input");
  if (std::optional<v1::IngestRequest> last = builder.Flush()) {
    batches.push_back(*std::move(last));
  }
  if (!options.producer_id.empty()) {
    uint64_t sequence = options.sequence_start;
    for (v1::IngestRequest& batch : batches) {
      if (!batch.producer_id().empty()) continue;
      batch.set_producer_id(options.producer_id);
      batch.set_sequence(sequence++);
    }
  }
  return batches;
}

absl::Status SendBatches(Client& client,
                         const std::vector<v1::IngestRequest>& batches,
                         bool use_stream, bool progress, const Output& output) {
  Progress meter(progress, batches.size(), output.err);
  size_t sent = 0;
  absl::StatusOr<v1::IngestStreamResponse> summary;
  if (batches.empty()) {
    summary = v1::IngestStreamResponse();
  } else if (use_stream) {
    summary = SendStream(client, batches, meter, &sent);
  } else {
    summary = SendUnary(client, batches, meter, &sent);
  }
  if (!summary.ok()) {
    *output.err << "pulse: ingest stopped after " << sent << " of "
                << batches.size() << " batches were sent\n";
    return summary.status();
  }
  return Emit(*summary, RenderIngestSummary(*summary, kRejectedItemsShown),
              output);
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

absl::StatusOr<v1::TopPostsRequest> BuildTopPostsRequest(
    absl::Duration window, const std::string& metric, int32_t limit,
    const std::string& account_id, const std::string& hashtag) {
  v1::TopPostsRequest request;
  if (window != absl::ZeroDuration()) {
    *request.mutable_window() = ToProtoDuration(window);
  }
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
    int64_t min_count) {
  v1::TrendingHashtagsRequest request;
  if (window != absl::ZeroDuration()) {
    *request.mutable_window() = ToProtoDuration(window);
  }
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
