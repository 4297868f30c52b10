#include "clients/render.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli_values.h"
#include "clients/table.h"

namespace pulse {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Align = Table::Align;

// Hashtags as "#a #b", or "-" when none.
std::string Hashtags(
    const google::protobuf::RepeatedPtrField<std::string>& tags) {
  if (tags.empty()) return "-";
  return absl::StrJoin(tags, " ", [](std::string* out, const std::string& tag) {
    absl::StrAppend(out, "#", tag);
  });
}

// `text`, or "-" when empty.
std::string OrDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

// The per-kind totals, which every stats message names alike.
template <typename Stats>
Fields Totals(const Stats& stats) {
  return {{"impressions", FormatCount(stats.impressions())},
          {"likes", FormatCount(stats.likes())},
          {"shares", FormatCount(stats.shares())},
          {"comments", FormatCount(stats.comments())},
          {"clicks", FormatCount(stats.clicks())},
          {"engagements", FormatCount(stats.engagements())}};
}

// The parts' fields, in order.
Fields Join(std::initializer_list<Fields> parts) {
  Fields all;
  for (const Fields& part : parts)
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace

std::string RenderPostStats(const v1::PostStats& stats) {
  return RenderFields(Join({
      {{"post", stats.post_id()},
       {"account",
        stats.known() ? OrDash(stats.account_id()) : "(unknown post)"},
       {"platform", OrDash(stats.platform())},
       {"hashtags", Hashtags(stats.hashtags())},
       {"published", FormatTimestamp(stats.published_at())}},
      Totals(stats),
      {{"engagement rate", FormatPercent(stats.engagement_rate())},
       {"unique users", FormatCount(stats.unique_users())},
       {"velocity/min", FormatRate(stats.velocity_per_minute())},
       {"updated", FormatTimestamp(stats.updated_at())}},
  }));
}

std::string RenderPostStatsTable(const v1::BatchGetPostStatsResponse& batch) {
  Table table({{"POST"},
               {"ACCOUNT"},
               {"IMPRESSIONS", Align::kRight},
               {"LIKES", Align::kRight},
               {"SHARES", Align::kRight},
               {"COMMENTS", Align::kRight},
               {"CLICKS", Align::kRight},
               {"ENGAGEMENTS", Align::kRight},
               {"RATE", Align::kRight},
               {"UNIQUE", Align::kRight},
               {"VELOCITY/MIN", Align::kRight}});
  for (const v1::PostStats& stats : batch.posts()) {
    table.AddRow({stats.post_id(),
                  stats.known() ? OrDash(stats.account_id()) : "(unknown)",
                  FormatCount(stats.impressions()), FormatCount(stats.likes()),
                  FormatCount(stats.shares()), FormatCount(stats.comments()),
                  FormatCount(stats.clicks()), FormatCount(stats.engagements()),
                  FormatPercent(stats.engagement_rate()),
                  FormatCount(stats.unique_users()),
                  FormatRate(stats.velocity_per_minute())});
  }
  return table.Render();
}

std::string RenderAccountStats(const v1::AccountStats& stats) {
  return RenderFields(Join({
      {{"account", stats.account_id()}, {"posts", FormatCount(stats.posts())}},
      Totals(stats),
      {{"engagement rate", FormatPercent(stats.engagement_rate())},
       {"unique users", FormatCount(stats.unique_users())},
       {"followers", FormatCount(stats.followers())},
       {absl::StrCat("follower growth (", FormatDuration(stats.growth_window()),
                     ")"),
        FormatCount(stats.follower_growth())},
       {"updated", FormatTimestamp(stats.updated_at())}},
  }));
}

std::string RenderHashtagStats(const v1::HashtagStats& stats) {
  return RenderFields(Join({
      {{"hashtag", absl::StrCat("#", stats.hashtag())},
       {"posts", FormatCount(stats.posts())}},
      Totals(stats),
  }));
}

std::string RenderGlobalStats(const v1::GlobalStats& stats) {
  return RenderFields(Join({
      {{"posts", FormatCount(stats.posts())}},
      Totals(stats),
      {{"engagement rate", FormatPercent(stats.engagement_rate())},
       {"followers", FormatCount(stats.followers())},
       {"engagements/s", FormatRate(stats.engagements_per_second())},
       {"updated", FormatTimestamp(stats.updated_at())}},
  }));
}

std::string RenderTimeSeries(const v1::QueryTimeSeriesResponse& series) {
  Table table({{"TIME"}, {"VALUE", Align::kRight}});
  for (const v1::Point& point : series.points()) {
    table.AddRow({FormatTimestamp(point.time()), FormatCount(point.value())});
  }
  return absl::StrCat(MetricName(series.metric()), " per ",
                      ResolutionName(series.resolution()), ", ",
                      series.points_size(), " points\n", table.Render());
}

std::string RenderTopPosts(const v1::TopPostsResponse& top) {
  Table table({{"RANK", Align::kRight},
               {"POST"},
               {"ACCOUNT"},
               {"VALUE", Align::kRight},
               {"IMPRESSIONS", Align::kRight},
               {"LIKES", Align::kRight},
               {"SHARES", Align::kRight},
               {"COMMENTS", Align::kRight},
               {"CLICKS", Align::kRight},
               {"HASHTAGS"}});
  for (const v1::TopPost& post : top.posts()) {
    table.AddRow({absl::StrCat(post.rank()), post.post_id(),
                  OrDash(post.account_id()), FormatCount(post.value()),
                  FormatCount(post.impressions()), FormatCount(post.likes()),
                  FormatCount(post.shares()), FormatCount(post.comments()),
                  FormatCount(post.clicks()), Hashtags(post.hashtags())});
  }
  return absl::StrCat("top posts by ", MetricName(top.metric()), ", last ",
                      FormatDuration(top.window()), ", as of ",
                      FormatTimestamp(top.as_of()), "\n", table.Render());
}

std::string RenderTrending(const v1::TrendingHashtagsResponse& trending) {
  Table table({{"RANK", Align::kRight},
               {"HASHTAG"},
               {"CURRENT", Align::kRight},
               {"PREVIOUS", Align::kRight},
               {"GROWTH", Align::kRight}});
  for (const v1::TrendingHashtag& tag : trending.hashtags()) {
    table.AddRow({absl::StrCat(tag.rank()), absl::StrCat("#", tag.hashtag()),
                  FormatCount(tag.current()), FormatCount(tag.previous()),
                  FormatGrowth(tag.growth())});
  }
  return absl::StrCat("trending hashtags by ", MetricName(trending.metric()),
                      ", last ", FormatDuration(trending.window()),
                      " vs the one before, as of ",
                      FormatTimestamp(trending.as_of()), "\n", table.Render());
}

std::string RenderWatch(const v1::Update& merged) {
  std::string out =
      absl::StrCat("seq ", merged.seq(), "  ", FormatTimestamp(merged.time()),
                   "  ", merged.snapshot() ? "snapshot" : "update", "\n");
  if (merged.posts_size() > 0) {
    v1::BatchGetPostStatsResponse posts;
    *posts.mutable_posts() = merged.posts();
    absl::StrAppend(&out, "\nposts\n", RenderPostStatsTable(posts));
  }
  if (merged.accounts_size() > 0) {
    Table table({{"ACCOUNT"},
                 {"POSTS", Align::kRight},
                 {"IMPRESSIONS", Align::kRight},
                 {"ENGAGEMENTS", Align::kRight},
                 {"RATE", Align::kRight},
                 {"UNIQUE", Align::kRight},
                 {"FOLLOWERS", Align::kRight},
                 {"GROWTH", Align::kRight}});
    for (const v1::AccountStats& stats : merged.accounts()) {
      table.AddRow(
          {stats.account_id(), FormatCount(stats.posts()),
           FormatCount(stats.impressions()), FormatCount(stats.engagements()),
           FormatPercent(stats.engagement_rate()),
           FormatCount(stats.unique_users()), FormatCount(stats.followers()),
           FormatCount(stats.follower_growth())});
    }
    absl::StrAppend(&out, "\naccounts\n", table.Render());
  }
  if (merged.hashtags_size() > 0) {
    Table table({{"HASHTAG"},
                 {"POSTS", Align::kRight},
                 {"IMPRESSIONS", Align::kRight},
                 {"LIKES", Align::kRight},
                 {"SHARES", Align::kRight},
                 {"COMMENTS", Align::kRight},
                 {"CLICKS", Align::kRight},
                 {"ENGAGEMENTS", Align::kRight}});
    for (const v1::HashtagStats& stats : merged.hashtags()) {
      table.AddRow(
          {absl::StrCat("#", stats.hashtag()), FormatCount(stats.posts()),
           FormatCount(stats.impressions()), FormatCount(stats.likes()),
           FormatCount(stats.shares()), FormatCount(stats.comments()),
           FormatCount(stats.clicks()), FormatCount(stats.engagements())});
    }
    absl::StrAppend(&out, "\nhashtags\n", table.Render());
  }
  if (merged.has_global()) {
    absl::StrAppend(&out, "\nglobal\n", RenderGlobalStats(merged.global()));
  }
  if (merged.has_top_posts()) {
    absl::StrAppend(&out, "\n", RenderTopPosts(merged.top_posts()));
  }
  if (merged.has_trending()) {
    absl::StrAppend(&out, "\n", RenderTrending(merged.trending()));
  }
  return out;
}

std::string RenderIngestSummary(
    const v1::IngestStreamResponse& summary, int max_rejected,
    const std::function<int64_t(const v1::RejectedItem&)>& line_of) {
  std::string out = RenderFields({
      {"batches",
       absl::StrCat(FormatCount(summary.batches()), " (",
                    FormatCount(summary.duplicate_batches()), " duplicate)")},
      {"accepted", FormatCount(summary.accepted())},
      // Items skipped for an event_id already stored; a batch re-sent whole
      // counts among the duplicate batches above instead.
      {"duplicate events", FormatCount(summary.duplicates())},
      {"rejected", FormatCount(summary.rejected())},
      {"unknown-post engagements",
       FormatCount(summary.unknown_post_engagements())},
  });
  if (summary.rejected_items_size() == 0 || max_rejected <= 0) return out;
  int shown = std::min(max_rejected, summary.rejected_items_size());
  absl::StrAppend(&out, "first rejected items:\n");
  std::vector<int64_t> lines(static_cast<size_t>(shown), 0);
  bool any_line = false;
  for (int i = 0; line_of && i < shown; ++i) {
    lines[static_cast<size_t>(i)] = line_of(summary.rejected_items(i));
    any_line = any_line || lines[static_cast<size_t>(i)] != 0;
  }
  Table table =
      any_line ? Table({{"LINE", Table::Align::kRight}, {"FIELD"}, {"REASON"}})
               : Table({{"FIELD"}, {"REASON"}});
  for (int i = 0; i < shown; ++i) {
    const v1::RejectedItem& item = summary.rejected_items(i);
    std::vector<std::string> row = {
        item.field().empty()
            ? absl::StrCat(item.collection(), "[", item.index(), "]")
            : item.field(),
        item.reason()};
    if (any_line) {
      const int64_t line = lines[static_cast<size_t>(i)];
      row.insert(row.begin(), line == 0 ? "?" : absl::StrCat(line));
    }
    table.AddRow(row);
  }
  absl::StrAppend(&out, table.Render());
  return out;
}

absl::StatusOr<std::string> ToJsonLine(
    const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  std::string json;
  google::protobuf::util::Status status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print as JSON: ", std::string(status.message())));
  }
  return json;
}

}  // namespace pulse
