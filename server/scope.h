// What a token limited to some accounts may ingest and see. Every check
// passes for an unscoped principal (admin, or a token without an account
// list, or auth off). Failures are PERMISSION_DENIED naming the field.
#ifndef PULSE_SERVER_SCOPE_H_
#define PULSE_SERVER_SCOPE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pulse/v1/analytics.pb.h"
#include "server/auth.h"
#include "storage/store.h"

namespace pulse::server {

// `account_id` (the value of `field`) must be one of the token's accounts.
absl::Status CheckAccount(const Principal& who, absl::string_view account_id,
                          absl::string_view field);

// The post whose stats are `stats` (the value of `field`) must be known to
// belong to one of the token's accounts.
absl::Status CheckPost(const Principal& who, const v1::PostStats& stats,
                       absl::string_view field);

// Figures that span every account (global totals, hashtags, trending) are
// refused to a scoped token; `what` names them.
absl::Status CheckUnscoped(const Principal& who, absl::string_view what);

// Every post and follow change of the batch must be of the token's accounts,
// and every engagement of a post known to be: stored, or among the batch's
// `valid` posts (a post validation rejected vouches for none).
// Reads post metadata: call on a worker.
absl::Status CheckIngestScope(const Principal& who,
                              const v1::IngestRequest& request,
                              const storage::WriteInput& valid,
                              const storage::Store& store);

// The parts of a subscription that need no lookup: accounts, hashtags,
// global, boards. Its posts are checked when the first update is built.
absl::Status CheckSubscribeScope(const Principal& who,
                                 const v1::SubscribeRequest& request);

// A QueryTimeSeries entity. Reads post metadata: call on a worker.
absl::Status CheckTimeSeriesScope(const Principal& who,
                                  const v1::QueryTimeSeriesRequest& request,
                                  const storage::Store& store);

}  // namespace pulse::server

#endif  // PULSE_SERVER_SCOPE_H_
