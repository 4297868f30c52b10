// Reads figures from the store and shapes them as the API's messages.
#ifndef PULSE_SERVER_STATS_READER_H_
#define PULSE_SERVER_STATS_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "pulse/v1/analytics.pb.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace pulse::server {

// Builds query answers from the store. Every method may block on disk I/O,
// so it runs on a worker thread, never on a gRPC callback. Thread-safe.
class StatsReader {
 public:
  // Neither pointer is owned; both outlive this.
  StatsReader(const storage::Store* store, const storage::Clock* clock)
      : store_(store), clock_(clock) {}

  // One post's stats; `known` false and zeros for a post never seen.
  absl::StatusOr<v1::PostStats> PostStats(const std::string& post_id) const;
  // One account's stats (the request is validated).
  absl::StatusOr<v1::AccountStats> AccountStats(
      const v1::GetAccountStatsRequest& request) const;
  // One hashtag's totals.
  absl::StatusOr<v1::HashtagStats> HashtagStats(
      const std::string& hashtag) const;
  // The global totals.
  absl::StatusOr<v1::GlobalStats> GlobalStats() const;
  // A time series with every bucket of the range (the request is validated).
  absl::StatusOr<v1::QueryTimeSeriesResponse> TimeSeries(
      const v1::QueryTimeSeriesRequest& request) const;

 private:
  const storage::Store* store_;
  const storage::Clock* clock_;
};

// engagements / impressions, 0 without impressions.
double EngagementRate(const storage::Counts& counts);

}  // namespace pulse::server

#endif  // PULSE_SERVER_STATS_READER_H_
