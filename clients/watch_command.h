// `pulse watch`: a Subscribe stream printed live, as a table redrawn in
// place on a terminal or as one protobuf-JSON line per Update otherwise.
#ifndef PULSE_CLIENTS_WATCH_COMMAND_H_
#define PULSE_CLIENTS_WATCH_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "clients/commands.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// What `pulse watch` watches, as given on the command line.
struct WatchArgs {
  std::vector<std::string> post_ids;
  std::vector<std::string> account_ids;
  // With or without a leading '#'.
  std::vector<std::string> hashtags;
  bool global = false;
  // The top-posts board: a positive window, a limit of 1 to kMaxBoardLimit.
  bool top = false;
  absl::Duration top_window = absl::Hours(1);
  std::string top_metric;
  int32_t top_limit = 10;
  // The trending board, likewise.
  bool trending = false;
  absl::Duration trending_window = absl::Hours(1);
  std::string trending_metric;
  int32_t trending_limit = 10;
  // Zero leaves the server's default (250 ms).
  absl::Duration min_interval;
};

// Builds the Subscribe request; INVALID_ARGUMENT when nothing is watched, an
// id is empty, a metric is unknown or a duration or limit is negative.
absl::StatusOr<v1::SubscribeRequest> BuildSubscribeRequest(
    const WatchArgs& args);

// How `pulse watch` prints and when it ends by itself.
struct WatchOptions {
  // Redraw the merged state in place (for a terminal) instead of printing
  // one JSON line per Update as received.
  bool live_table = false;
  // End after this many updates; 0 means no limit.
  int64_t count = 0;
};

// Subscribes and prints each Update to output.out until `options.count`
// updates or `handle` is cancelled (both OK), or the stream fails (its
// status; UNAVAILABLE when the server ends the stream). Blocks.
absl::Status RunWatch(Client& client, const v1::SubscribeRequest& request,
                      const WatchOptions& options, SubscribeHandle* handle,
                      const Output& output);

}  // namespace pulse

#endif  // PULSE_CLIENTS_WATCH_COMMAND_H_
