#include "clients/watch_command.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/cli_values.h"
#include "clients/render.h"
#include "clients/watch_state.h"

namespace pulse {
namespace {

// Clears the terminal and moves the cursor home (ANSI).
constexpr char kClearScreen[] = "\x1b[H\x1b[2J";

// Appends `ids` to `field`; INVALID_ARGUMENT naming `flag` for an empty id.
absl::Status AddIds(const std::vector<std::string>& ids, absl::string_view flag,
                    bool strip_hash,
                    google::protobuf::RepeatedPtrField<std::string>* field) {
  for (const std::string& id : ids) {
    absl::string_view value = id;
    if (strip_hash) absl::ConsumePrefix(&value, "#");
    if (value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " has an empty item"));
    }
    field->Add(std::string(value));
  }
  return absl::OkStatus();
}

// INVALID_ARGUMENT naming --min_interval outside pulse-server's bounds
// (50 ms to 60 s), which it would refuse only once connected; zero is its
// default.
absl::Status MinInterval(absl::Duration interval) {
  if (interval == absl::ZeroDuration() ||
      (interval >= absl::Milliseconds(50) && interval <= absl::Seconds(60))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--min_interval must be 50ms to 60s, not ",
                   absl::FormatDuration(interval)));
}

}  // namespace

absl::StatusOr<v1::SubscribeRequest> BuildSubscribeRequest(
    const WatchArgs& args) {
  v1::SubscribeRequest request;
  for (absl::Status status :
       {AddIds(args.post_ids, "post", false, request.mutable_post_ids()),
        AddIds(args.account_ids, "account", false,
               request.mutable_account_ids()),
        AddIds(args.hashtags, "hashtag", true, request.mutable_hashtags()),
        MinInterval(args.min_interval)}) {
    if (!status.ok()) return status;
  }
  request.set_global(args.global);
  if (args.top) {
    absl::StatusOr<v1::TopPostsRequest> top = BuildTopPostsRequest(
        args.top_window, args.top_metric, args.top_limit, "", "", "top_");
    if (!top.ok()) return top.status();
    *request.mutable_top_posts() = *std::move(top);
  }
  if (args.trending) {
    absl::StatusOr<v1::TrendingHashtagsRequest> trending =
        BuildTrendingRequest(args.trending_window, args.trending_metric,
                             args.trending_limit, 0, "trending_");
    if (!trending.ok()) return trending.status();
    *request.mutable_trending() = *std::move(trending);
  }
  if (request.post_ids().empty() && request.account_ids().empty() &&
      request.hashtags().empty() && !args.global && !args.top &&
      !args.trending) {
    return absl::InvalidArgumentError(
        "nothing to watch: give --post, --account, --hashtag, --global, --top "
        "or --trending");
  }
  if (args.min_interval != absl::ZeroDuration()) {
    *request.mutable_min_interval() = ToProtoDuration(args.min_interval);
  }
  return request;
}

absl::Status RunWatch(Client& client, const v1::SubscribeRequest& request,
                      const WatchOptions& options, SubscribeHandle* handle,
                      const Output& output) {
  WatchState state;
  int64_t received = 0;
  absl::Status print_error;
  absl::Status status = client.Subscribe(
      request,
      [&](const v1::Update& update) {
        ++received;
        if (options.live_table) {
          state.Apply(update);
          *output.out << kClearScreen << RenderWatch(state.merged())
                      << std::flush;
        } else {
          absl::StatusOr<std::string> json = ToJsonLine(update);
          if (!json.ok()) {
            print_error = json.status();
            return false;
          }
          *output.out << *json << "\n" << std::flush;
        }
        return options.count == 0 || received < options.count;
      },
      handle);
  if (!status.ok()) return status;
  if (!print_error.ok()) return print_error;
  const bool counted = options.count != 0 && received >= options.count;
  const bool cancelled = handle != nullptr && handle->cancelled();
  if (!counted && !cancelled) {
    return absl::UnavailableError("the server ended the subscription");
  }
  return absl::OkStatus();
}

}  // namespace pulse
