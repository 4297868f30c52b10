// The subcommands of the `pulse` tool, on top of Client: each builds its
// request from plain arguments (no flags here), calls, and prints either a
// human-readable table or protobuf JSON lines. `pulse ingest` and
// `pulse watch` have files of their own.
#ifndef PULSE_CLIENTS_COMMANDS_H_
#define PULSE_CLIENTS_COMMANDS_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "google/protobuf/message.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// Where and how a command prints.
struct Output {
  // Protobuf JSON, one object per line, instead of tables.
  bool json = false;
  // Results; must outlive the command.
  std::ostream* out = nullptr;
  // Progress and notes; must outlive the command.
  std::ostream* err = nullptr;
};

// Prints `message` as one JSON line when output.json, else `human` as is.
absl::Status Emit(const google::protobuf::Message& message,
                  const std::string& human, const Output& output);

// The entity and range of `pulse series`, as given on the command line.
struct SeriesArgs {
  std::string post_id;
  std::string account_id;
  std::string hashtag;
  bool global = false;
  // Lower-case enum names; empty means the server's default.
  std::string metric;
  std::string resolution;
  // Either since (a window ending now) or start (and optionally end), as
  // RFC 3339 times.
  absl::Duration since = absl::Hours(1);
  std::string start;
  std::string end;
};

// Builds a QueryTimeSeries request; INVALID_ARGUMENT unless exactly one
// entity is given and the metric, resolution and times parse.
absl::StatusOr<v1::QueryTimeSeriesRequest> BuildSeriesRequest(
    const SeriesArgs& args, absl::Time now);

// The most posts or hashtags a board lists (pulse-server's bound).
inline constexpr int32_t kMaxBoardLimit = 1000;

// Builds a TopPosts request; INVALID_ARGUMENT for an unknown metric, a
// window that is not positive or a limit outside 1..kMaxBoardLimit, naming
// the flag: --window, --limit, or with `flag_prefix` "top_", --top_window...
absl::StatusOr<v1::TopPostsRequest> BuildTopPostsRequest(
    absl::Duration window, const std::string& metric, int32_t limit,
    const std::string& account_id, const std::string& hashtag,
    absl::string_view flag_prefix = "");

// Builds a TrendingHashtags request, as BuildTopPostsRequest; min_count must
// not be negative (0: the server's default).
absl::StatusOr<v1::TrendingHashtagsRequest> BuildTrendingRequest(
    absl::Duration window, const std::string& metric, int32_t limit,
    int64_t min_count, absl::string_view flag_prefix = "");

// `pulse stats`: one post → GetPostStats, several → BatchGetPostStats.
// JSON output is one PostStats object per line either way.
absl::Status RunStats(Client& client, const std::vector<std::string>& post_ids,
                      const Output& output);

// `pulse account`: GetAccountStats.
absl::Status RunAccount(Client& client,
                        const v1::GetAccountStatsRequest& request,
                        const Output& output);

// `pulse hashtag`: GetHashtagStats.
absl::Status RunHashtag(Client& client, const std::string& hashtag,
                        const Output& output);

// `pulse global`: GetGlobalStats.
absl::Status RunGlobal(Client& client, const Output& output);

// `pulse series`: QueryTimeSeries.
absl::Status RunSeries(Client& client,
                       const v1::QueryTimeSeriesRequest& request,
                       const Output& output);

// `pulse top`: TopPosts.
absl::Status RunTop(Client& client, const v1::TopPostsRequest& request,
                    const Output& output);

// `pulse trending`: TrendingHashtags.
absl::Status RunTrending(Client& client,
                         const v1::TrendingHashtagsRequest& request,
                         const Output& output);

}  // namespace pulse

#endif  // PULSE_CLIENTS_COMMANDS_H_
