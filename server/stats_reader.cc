#include "server/stats_reader.h"

#include "server/boards.h"
#include "server/proto_time.h"
#include "server/validation.h"
#include "storage/status_macros.h"

namespace pulse::server {
namespace {

using storage::Counts;
using storage::Resolution;
using storage::Scope;

// Sums the buckets of one entity at `res` in [start, end).
absl::StatusOr<Counts> SumRange(const storage::Store& store, Scope scope,
                                const std::string& id, Resolution res,
                                absl::Time start, absl::Time end) {
  PULSE_ASSIGN_OR_RETURN(std::vector<storage::Bucket> buckets,
                         store.ScanSeries(scope, id, res, start, end));
  Counts sum{};
  for (const storage::Bucket& b : buckets) {
    for (int i = 0; i < storage::kNumSlots; ++i) sum[i] += b.counts[i];
  }
  return sum;
}

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
  PULSE_ASSIGN_OR_RETURN(Counts totals,
                         store_->GetTotals(Scope::kPost, post_id));
  SetTotals(totals, &stats);
  stats.set_engagement_rate(EngagementRate(totals));
  PULSE_ASSIGN_OR_RETURN(int64_t users,
                         store_->EstimateUniqueUsers(Scope::kPost, post_id));
  stats.set_unique_users(users);
  // The last five whole minutes plus the current one, divided by five.
  PULSE_ASSIGN_OR_RETURN(
      Counts recent,
      SumRange(*store_, Scope::kPost, post_id, Resolution::kMinute,
               now - absl::Minutes(5), now + absl::Minutes(1)));
  stats.set_velocity_per_minute(
      static_cast<double>(storage::Engagements(recent)) / 5);
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
  PULSE_ASSIGN_OR_RETURN(Counts totals, store_->GetTotals(Scope::kAccount, id));
  SetTotals(totals, &stats);
  stats.set_posts(totals[storage::kPosts]);
  stats.set_followers(totals[storage::kFollowers]);
  stats.set_engagement_rate(EngagementRate(totals));
  PULSE_ASSIGN_OR_RETURN(int64_t users,
                         store_->EstimateUniqueUsers(Scope::kAccount, id));
  stats.set_unique_users(users);
  // Hours are kept 400 days by default: enough for any allowed window.
  PULSE_ASSIGN_OR_RETURN(
      Counts growth, SumRange(*store_, Scope::kAccount, id, Resolution::kHour,
                              now - window, now + absl::Hours(1)));
  stats.set_follower_growth(growth[storage::kFollowers]);
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
  PULSE_ASSIGN_OR_RETURN(Counts totals, store_->GetTotals(Scope::kGlobal, ""));
  SetTotals(totals, &stats);
  stats.set_engagement_rate(EngagementRate(totals));
  stats.set_posts(totals[storage::kPosts]);
  stats.set_followers(totals[storage::kFollowers]);
  // The ten whole seconds before the current one, which is still filling.
  const absl::Time this_second = storage::BucketStart(Resolution::kSecond, now);
  PULSE_ASSIGN_OR_RETURN(
      Counts recent, SumRange(*store_, Scope::kGlobal, "", Resolution::kSecond,
                              this_second - absl::Seconds(10), this_second));
  stats.set_engagements_per_second(
      static_cast<double>(storage::Engagements(recent)) / 10);
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
      id = request.hashtag();
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
