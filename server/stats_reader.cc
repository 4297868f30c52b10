#include "server/stats_reader.h"

#include <algorithm>
#include <cmath>

#include "server/boards.h"
#include "server/proto_time.h"
#include "server/validation.h"
#include "storage/status_macros.h"

namespace pulse::server {
namespace {

using storage::Counts;
using storage::Resolution;
using storage::Scope;

// Copies the per-kind totals into any message with the same field names.
template <typename Message>
void SetTotals(const Counts& c, Message* m) {
  m->set_impressions(c[storage::kImpressions]);
  m->set_likes(c[storage::kLikes]);
  m->set_shares(c[storage::kShares]);
  m->set_comments(c[storage::kComments]);
  m->set_clicks(c[storage::kClicks]);
  m->set_engagements(storage::Engagements(c));
}

// [now - window, now] in buckets of `res`: from the bucket that holds
// now - window up to the current one (none after it: engagements may be
// stamped up to 5 minutes ahead).
storage::Store::EntityQuery WindowQuery(Scope scope, std::string_view id,
                                        Resolution res, absl::Time now,
                                        absl::Duration window,
                                        bool unique_users) {
  return {scope,
          id,
          res,
          storage::BucketStart(res, now - window),
          storage::BucketStart(res, now) + storage::BucketWidth(res),
          unique_users};
}

// `value` over [now - window, now] from a WindowQuery's figures: its first
// bucket counts for the part of it inside the window, as if what it holds
// were spread evenly over the part of it that has passed (all of it but for
// the current bucket, which holds nothing after now).
template <typename Value>
double WindowSum(const storage::Store::EntityFigures& figures, Value value,
                 Resolution res, absl::Time now, absl::Duration window) {
  const absl::Time from = now - window;
  const absl::Time first = storage::BucketStart(res, from);
  const absl::Duration passed =
      std::min(storage::BucketWidth(res), now - first);
  const double outside = passed > absl::ZeroDuration()
                             ? absl::FDivDuration(from - first, passed)
                             : 0;
  return static_cast<double>(value(figures.range_sum)) -
         outside * static_cast<double>(value(figures.first_bucket));
}

// Follower growth over a window shorter than this is read from minute
// buckets (at most 1,440 of them, kept 14 days), a longer one from hours:
// the bucket at the window's start, spread, is then a small part of it.
constexpr absl::Duration kGrowthByMinuteBelow = absl::Hours(24);

}  // namespace

double EngagementRate(const Counts& c) {
  const int64_t impressions = c[storage::kImpressions];
  if (impressions <= 0) return 0;
  return static_cast<double>(storage::Engagements(c)) /
         static_cast<double>(impressions);
}

absl::StatusOr<v1::PostStats> StatsReader::PostStats(
    const std::string& post_id) const {
  const absl::Time now = clock_->Now();
  v1::PostStats stats;
  stats.set_post_id(post_id);
  PULSE_ASSIGN_OR_RETURN(std::optional<storage::PostMeta> meta,
                         store_->GetPost(post_id));
  if (meta.has_value()) {
    stats.set_known(true);
    stats.set_account_id(meta->account_id);
    stats.set_platform(meta->platform);
    for (const std::string& tag : meta->hashtags) stats.add_hashtags(tag);
    *stats.mutable_published_at() = ToProto(meta->published_at);
  }
  constexpr absl::Duration kVelocityWindow = absl::Minutes(5);
  PULSE_ASSIGN_OR_RETURN(
      const storage::Store::EntityFigures figures,
      store_->ReadEntity(WindowQuery(Scope::kPost, post_id, Resolution::kMinute,
                                     now, kVelocityWindow,
                                     /*unique_users=*/true)));
  SetTotals(figures.totals, &stats);
  stats.set_engagement_rate(EngagementRate(figures.totals));
  stats.set_unique_users(figures.unique_users);
  stats.set_velocity_per_minute(WindowSum(figures, storage::Engagements,
                                          Resolution::kMinute, now,
                                          kVelocityWindow) /
                                absl::ToDoubleMinutes(kVelocityWindow));
  *stats.mutable_updated_at() = ToProto(now);
  return stats;
}

absl::StatusOr<v1::AccountStats> StatsReader::AccountStats(
    const v1::GetAccountStatsRequest& request) const {
  const absl::Time now = clock_->Now();
  const std::string& id = request.account_id();
  const absl::Duration window = request.has_growth_window()
                                    ? FromProto(request.growth_window())
                                    : absl::Hours(24);
  v1::AccountStats stats;
  stats.set_account_id(id);
  // Minutes are kept 14 days and hours 400 by default: enough for any
  // allowed window.
  const Resolution res =
      window < kGrowthByMinuteBelow ? Resolution::kMinute : Resolution::kHour;
  PULSE_ASSIGN_OR_RETURN(
      const storage::Store::EntityFigures figures,
      store_->ReadEntity(WindowQuery(Scope::kAccount, id, res, now, window,
                                     /*unique_users=*/true)));
  const Counts& totals = figures.totals;
  SetTotals(totals, &stats);
  stats.set_posts(totals[storage::kPosts]);
  stats.set_followers(totals[storage::kFollowers]);
  stats.set_engagement_rate(EngagementRate(totals));
  stats.set_unique_users(figures.unique_users);
  stats.set_follower_growth(std::llround(WindowSum(
      figures, [](const Counts& c) { return c[storage::kFollowers]; }, res, now,
      window)));
  *stats.mutable_growth_window() = ToProto(window);
  *stats.mutable_updated_at() = ToProto(now);
  return stats;
}

absl::StatusOr<v1::HashtagStats> StatsReader::HashtagStats(
    const std::string& hashtag) const {
  v1::HashtagStats stats;
  stats.set_hashtag(hashtag);
  PULSE_ASSIGN_OR_RETURN(Counts totals,
                         store_->GetTotals(Scope::kHashtag, hashtag));
  SetTotals(totals, &stats);
  stats.set_posts(totals[storage::kPosts]);
  return stats;
}

absl::StatusOr<v1::GlobalStats> StatsReader::GlobalStats() const {
  const absl::Time now = clock_->Now();
  v1::GlobalStats stats;
  // The ten whole seconds before the current one, which is still filling.
  const absl::Time this_second = storage::BucketStart(Resolution::kSecond, now);
  PULSE_ASSIGN_OR_RETURN(
      const storage::Store::EntityFigures figures,
      store_->ReadEntity({Scope::kGlobal, "", Resolution::kSecond,
                          this_second - absl::Seconds(10), this_second}));
  const Counts& totals = figures.totals;
  SetTotals(totals, &stats);
  stats.set_engagement_rate(EngagementRate(totals));
  stats.set_posts(totals[storage::kPosts]);
  stats.set_followers(totals[storage::kFollowers]);
  stats.set_engagements_per_second(
      static_cast<double>(storage::Engagements(figures.range_sum)) / 10);
  *stats.mutable_updated_at() = ToProto(now);
  return stats;
}

absl::StatusOr<v1::QueryTimeSeriesResponse> StatsReader::TimeSeries(
    const v1::QueryTimeSeriesRequest& request) const {
  using R = v1::QueryTimeSeriesRequest;
  Scope scope = Scope::kGlobal;
  std::string id;
  switch (request.entity_case()) {
    case R::kPostId:
      scope = Scope::kPost;
      id = request.post_id();
      break;
    case R::kAccountId:
      scope = Scope::kAccount;
      id = request.account_id();
      break;
    case R::kHashtag:
      scope = Scope::kHashtag;
      id = HashtagName(request.hashtag());
      break;
    default:
      break;
  }
  const Resolution res = ToStorage(request.resolution());
  const absl::Time start =
      storage::BucketStart(res, FromProto(request.start_time()));
  const absl::Time end =
      request.has_end_time() ? FromProto(request.end_time()) : clock_->Now();
  const v1::Metric metric = request.metric() == v1::METRIC_UNSPECIFIED
                                ? v1::ENGAGEMENTS
                                : request.metric();

  PULSE_ASSIGN_OR_RETURN(std::vector<storage::Bucket> buckets,
                         store_->ScanSeries(scope, id, res, start, end));
  v1::QueryTimeSeriesResponse response;
  response.set_resolution(request.resolution() == v1::RESOLUTION_UNSPECIFIED
                              ? v1::MINUTE
                              : request.resolution());
  response.set_metric(metric);
  // Every bucket of the range, zeros included, so charts need no gap logic.
  auto next = buckets.begin();
  for (absl::Time t = start; t < end; t += storage::BucketWidth(res)) {
    v1::Point* point = response.add_points();
    *point->mutable_time() = ToProto(t);
    if (next != buckets.end() && next->start == t) {
      point->set_value(MetricValue(metric, next->counts));
      ++next;
    }
  }
  return response;
}

}  // namespace pulse::server
