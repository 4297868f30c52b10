// pulse: the command-line client of pulse-server. Flags and dispatch only;
// the work is in pulse_client (clients/commands.h, clients/admin_commands.h),
// except `pulse backup restore`, which works offline on the backup files
// through pulse_storage (storage/backup.h) and needs no server.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "clients/admin_commands.h"
#include "clients/cli_values.h"
#include "clients/client.h"
#include "clients/commands.h"
#include "clients/ingest_command.h"
#include "clients/list_flags.h"
#include "clients/watch_command.h"
#include "clients/watch_stopper.h"
#include "server/command_line.h"
#include "storage/backup.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "The pulse-server address (host:port).");
ABSL_FLAG(bool, json, false,
          "Print responses as protobuf JSON, one object per line.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "The deadline of each query or unary Ingest call.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA that signed the server's certificate: connect "
          "over TLS. Empty: plaintext.");
ABSL_FLAG(std::string, token_file, "",
          "File holding the token to send (first line); the PULSE_TOKEN "
          "environment variable is used when this is empty.");

ABSL_FLAG(int64_t, batch_size, 1000, "ingest: items per batch.");
ABSL_FLAG(std::string, producer_id, "",
          "ingest: stamp each batch with this producer id and an increasing "
          "sequence, for exactly-once batches.");
ABSL_FLAG(uint64_t, sequence_start, 1,
          "ingest: the sequence of the first batch when --producer_id is set.");
ABSL_FLAG(bool, stream, true,
          "ingest: send through IngestStream; --nostream sends one unary "
          "Ingest call per batch.");

ABSL_FLAG(absl::Duration, growth_window, absl::Hours(24),
          "account: the window of follower growth.");

// Lists: comma-separated, and repeatable (see clients/list_flags.h).
ABSL_FLAG(std::vector<std::string>, post, {},
          "series: the post to chart; watch: posts to watch.");
ABSL_FLAG(std::vector<std::string>, account, {},
          "series: the account to chart; top: only this account's posts; "
          "watch: accounts to watch.");
ABSL_FLAG(std::vector<std::string>, hashtag, {},
          "series: the hashtag to chart; top: only posts carrying it; watch: "
          "hashtags to watch.");
ABSL_FLAG(bool, global, false,
          "series: chart the global totals; watch: watch them.");
ABSL_FLAG(std::string, metric, "",
          "series, top, trending: impressions, likes, shares, comments, "
          "clicks or engagements (default); series of an account, a hashtag "
          "or the global totals also followers or posts.");
ABSL_FLAG(std::string, resolution, "",
          "series: second, minute, hour or day (default minute).");
ABSL_FLAG(absl::Duration, since, absl::Hours(1),
          "series: chart this long a window ending now, e.g. 90m or 48h "
          "(not with --start).");
ABSL_FLAG(std::string, start, "",
          "series: the range's start, RFC 3339 (e.g. 2024-05-01T12:00:00Z).");
ABSL_FLAG(std::string, end, "",
          "series: the range's end, RFC 3339 (default now).");

ABSL_FLAG(absl::Duration, window, absl::Hours(1),
          "top, trending: the sliding window ending now (one the server "
          "keeps, by default 5m, 1h or 24h).");
ABSL_FLAG(int32_t, limit, 10, "top, trending: how many to list (1 to 1000).");
ABSL_FLAG(int64_t, min_count, 0,
          "trending: leave out hashtags with fewer in the window (0 = the "
          "server's default, 1).");

ABSL_FLAG(bool, top, false, "watch: watch a top-posts board.");
ABSL_FLAG(absl::Duration, top_window, absl::Hours(1),
          "watch --top: the board's window (5m, 1h or 24h by default).");
ABSL_FLAG(std::string, top_metric, "",
          "watch --top: the ranking metric (default engagements).");
ABSL_FLAG(int32_t, top_limit, 10, "watch --top: how many posts.");
ABSL_FLAG(bool, trending, false, "watch: watch a trending-hashtags board.");
ABSL_FLAG(absl::Duration, trending_window, absl::Hours(1),
          "watch --trending: the board's window.");
ABSL_FLAG(std::string, trending_metric, "",
          "watch --trending: what is counted (default engagements).");
ABSL_FLAG(int32_t, trending_limit, 10, "watch --trending: how many hashtags.");
ABSL_FLAG(absl::Duration, min_interval, absl::Milliseconds(250),
          "watch: the least time between two updates (50ms to 60s; 0: the "
          "server's default, 250ms).");
ABSL_FLAG(int64_t, count, 0,
          "watch: end after this many updates, the snapshot included (0 = "
          "no limit).");
ABSL_FLAG(absl::Duration, duration, absl::InfiniteDuration(),
          "watch: end after this long (default: until Ctrl-C).");

ABSL_FLAG(std::string, backup_dir, "",
          "backup restore: the backup directory (pulse-server's "
          "--backup_dir).");
ABSL_FLAG(std::string, data_dir, "",
          "backup restore: the data directory to create; must not exist or "
          "be empty.");
ABSL_FLAG(int64_t, backup_id, 0,
          "backup restore: the backup to restore (0 = the newest).");

namespace {

constexpr char kUsage[] = R"(the command-line client of pulse-server.

Usage: pulse [--server=HOST:PORT] [--json] [--timeout=10s] [--tls_ca=FILE]
             [--token_file=FILE] COMMAND [ARGS]

A server with auth on needs a token: --token_file=FILE or the PULSE_TOKEN
environment variable (never on the command line, where ps shows it).

Commands:
  ingest FILE          Send JSON lines (FILE, or - for stdin) in batches.
                       [--batch_size=1000] [--producer_id=ID
                       --sequence_start=1] [--nostream]
                       Each line is an IngestRequest, a Post, an Engagement
                       or a FollowChange in protobuf JSON, bare or wrapped as
                       {"post":{...}}, {"engagement":{...}}, {"follow":{...}}.
                       Batches go out as soon as they are full; the first
                       bad line stops the ingest (batches sent before it
                       stay sent) and says which lines were sent.
  stats POST_ID...     Stats of one post, or of several in one call.
  account ACCOUNT_ID   An account's totals and followers. [--growth_window=24h]
  hashtag TAG          A hashtag's totals.
  global               The global totals.
  series               One metric over time:
                       (--post=ID | --account=ID | --hashtag=TAG | --global)
                       [--metric=engagements] [--resolution=minute]
                       [--since=1h | --start=RFC3339 [--end=RFC3339]]
  top                  Top posts over a sliding window: [--window=1h]
                       [--metric=engagements] [--limit=10] [--account=ID]
                       [--hashtag=TAG]
  trending             Hashtags rising fastest: [--window=1h] [--limit=10]
                       [--metric=engagements] [--min_count=1]
  watch                Live updates of a subscription until Ctrl-C:
                       [--post=ID,...] [--account=ID,...] [--hashtag=TAG,...]
                       [--global] [--top [--top_window=1h]
                       [--top_metric=engagements] [--top_limit=10]]
                       [--trending [--trending_window=1h]
                       [--trending_metric=engagements] [--trending_limit=10]]
                       [--min_interval=250ms] [--count=N] [--duration=D]
                       Lists are comma-separated or repeated flags. On a
                       terminal, a table redrawn in place; otherwise (or with
                       --json) one JSON Update per line, as received.
  backup create        Back up the server's database into its --backup_dir
                       (consistent while ingest runs).
  backup list          The backups in the server's --backup_dir.
  backup restore       Offline, no server needed: restore a backup into a new
                       data dir. --backup_dir=DIR --data_dir=DIR
                       [--backup_id=N] (default: the newest). DIR must not
                       exist or be empty; then start pulse-server on it.
  admin compact        Compact the server's database now (applies retention).
  admin storage        Sizes on disk and in memory, per column family.

A flag the command does not read is a usage error. Durations are a number
and a unit: 500ms, 30s, 15m, 48h (there is no d: 7 days is 168h). Lists
(--top_limit and the like) take 1 to 1000.

Exit status: 0 on success, 1 when a call or the input failed, 2 on a usage
error.)";

constexpr int kExitFailure = 1;
constexpr int kExitUsage = pulse::server::kExitUsage;

// Prints "pulse: CODE: message", and what to try for a failure that a
// flag fixes, and returns `exit_code`.
int Fail(const absl::Status& status, int exit_code) {
  std::cerr << "pulse: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    std::cerr << "pulse: the server has auth on: give a token with "
                 "--token_file=FILE or PULSE_TOKEN\n";
  } else if (status.code() == absl::StatusCode::kUnavailable &&
             absl::StrContains(status.message(), "failed to connect")) {
    std::cerr << "pulse: is pulse-server listening on "
              << absl::GetFlag(FLAGS_server)
              << "? (--server=HOST:PORT; a server with TLS needs "
                 "--tls_ca=FILE)\n";
  }
  return exit_code;
}

// Prints a usage error as INVALID_ARGUMENT and returns the usage exit code.
int UsageError(absl::string_view message) {
  Fail(absl::InvalidArgumentError(message), kExitUsage);
  std::cerr << "Run 'pulse --help' for usage.\n";
  return kExitUsage;
}

// Whether `flag` has a value other than its default. (Abseil 20220623 does
// not say publicly whether a flag was given: one set to its default goes
// unnoticed.)
bool Given(const absl::CommandLineFlag& flag) {
  return flag.CurrentValue() != flag.DefaultValue();
}
template <typename T>
bool Given(const absl::Flag<T>& flag) {
  return Given(absl::GetFlagReflectionHandle(flag));
}

// A hashtag without its optional leading '#'.
std::string Hashtag(absl::string_view tag) {
  return std::string(absl::StripPrefix(tag, "#"));
}

int RunIngest(pulse::Client& client, const std::string& path,
              const pulse::Output& output) {
  pulse::BatchingOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  options.producer_id = absl::GetFlag(FLAGS_producer_id);
  options.sequence_start = absl::GetFlag(FLAGS_sequence_start);
  if (options.batch_size < 1) return UsageError("--batch_size must be >= 1");
  if (options.producer_id.empty() && Given(FLAGS_sequence_start)) {
    return UsageError("--sequence_start needs --producer_id");
  }
  if (!options.producer_id.empty() && options.sequence_start < 1) {
    return UsageError("--sequence_start must be >= 1");
  }

  std::ifstream file;
  if (path != "-") {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
                      "cannot read ", path, ": it is a directory")),
                  kExitFailure);
    }
    file.open(path);
    if (!file) {
      return Fail(absl::NotFoundError(absl::StrCat("cannot open ", path, ": ",
                                                   std::strerror(errno))),
                  kExitFailure);
    }
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::unique_ptr<pulse::BatchSink> sink = absl::GetFlag(FLAGS_stream)
                                               ? pulse::MakeStreamSink(client)
                                               : pulse::MakeUnarySink(client);
  absl::Status status =
      pulse::RunIngest(in, options, *sink, isatty(STDERR_FILENO) != 0, output);
  return status.ok() ? 0 : Fail(status, kExitFailure);
}

// `pulse backup restore`: offline, on the files; the exit status.
int RunRestore(const std::vector<std::string>& args,
               const pulse::Output& output) {
  if (!args.empty()) return UsageError("backup restore takes flags only");
  const std::string backup_dir = absl::GetFlag(FLAGS_backup_dir);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const int64_t id = absl::GetFlag(FLAGS_backup_id);
  if (backup_dir.empty())
    return UsageError("backup restore needs --backup_dir");
  if (data_dir.empty()) return UsageError("backup restore needs --data_dir");
  if (id < 0 || id > UINT32_MAX) {
    return UsageError("--backup_id must be a backup's id (0 = the newest)");
  }
  std::optional<uint32_t> wanted;
  if (id > 0) wanted = static_cast<uint32_t>(id);
  absl::StatusOr<pulse::storage::BackupSummary> restored =
      pulse::storage::RestoreBackup(backup_dir, data_dir, wanted);
  if (!restored.ok()) return Fail(restored.status(), kExitFailure);
  pulse::v1::BackupInfo info;
  info.set_backup_id(restored->id);
  *info.mutable_create_time() = pulse::ToProtoTimestamp(restored->created);
  info.set_size_bytes(static_cast<int64_t>(restored->size_bytes));
  info.set_file_count(static_cast<int32_t>(restored->file_count));
  absl::Status status =
      pulse::Emit(info,
                  absl::StrCat("restored backup ", restored->id, " into ",
                               data_dir, "\n", pulse::RenderBackupInfo(info),
                               "start pulse-server --data_dir=", data_dir,
                               " to serve it\n"),
                  output);
  return status.ok() ? 0 : Fail(status, kExitFailure);
}

// `pulse backup ...` and `pulse admin ...` against a server; the exit status.
int RunAdminCommand(pulse::Client& client, const std::string& command,
                    const std::vector<std::string>& args,
                    const pulse::Output& output) {
  const std::string usage = command == "backup"
                                ? "usage: pulse backup create|list|restore"
                                : "usage: pulse admin compact|storage";
  if (args.size() != 1) return UsageError(usage);
  absl::Status status;
  if (command == "backup" && args[0] == "create") {
    status = pulse::RunBackupCreate(client, output);
  } else if (command == "backup" && args[0] == "list") {
    status = pulse::RunBackupList(client, output);
  } else if (command == "admin" && args[0] == "compact") {
    status = pulse::RunAdminCompact(client, output);
  } else if (command == "admin" && args[0] == "storage") {
    status = pulse::RunAdminStorage(client, output);
  } else {
    return UsageError(usage);
  }
  return status.ok() ? 0 : Fail(status, kExitFailure);
}

// The one value of a list flag that takes one here; INVALID_ARGUMENT for more.
absl::StatusOr<std::string> OneValue(absl::string_view flag,
                                     const std::vector<std::string>& values) {
  if (values.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " takes one value here"));
  }
  return values.empty() ? std::string() : values[0];
}

// The first of the flags that qualify a board which has a value other than
// its default while the board (`board`) is off, or empty. (Abseil 20220623
// does not say publicly whether a flag was given.)
template <typename... Flags>
std::string OrphanFlag(bool board, const Flags&... flags) {
  if (board) return "";
  for (const absl::CommandLineFlag* flag :
       {&absl::GetFlagReflectionHandle(flags)...}) {
    if (Given(*flag)) return std::string(flag->Name());
  }
  return "";
}

// The flags each command reads, beyond the ones every command does
// (--server, --json, --timeout, --tls_ca, --token_file). "backup restore"
// is apart from the other backup commands.
const absl::flat_hash_map<std::string, std::vector<absl::string_view>>&
CommandFlags() {
  static const auto* const flags =
      new absl::flat_hash_map<std::string, std::vector<absl::string_view>>{
          {"ingest", {"batch_size", "producer_id", "sequence_start", "stream"}},
          {"stats", {}},
          {"account", {"growth_window"}},
          {"hashtag", {}},
          {"global", {}},
          {"series",
           {"post", "account", "hashtag", "global", "metric", "resolution",
            "since", "start", "end"}},
          {"top", {"window", "metric", "limit", "account", "hashtag"}},
          {"trending", {"window", "metric", "limit", "min_count"}},
          {"watch",
           {"post", "account", "hashtag", "global", "top", "top_window",
            "top_metric", "top_limit", "trending", "trending_window",
            "trending_metric", "trending_limit", "min_interval", "count",
            "duration"}},
          {"backup", {}},
          {"backup restore", {"backup_dir", "data_dir", "backup_id"}},
          {"admin", {}},
      };
  return *flags;
}

// The first flag given a value other than its default that `command` does
// not read, or empty (also for an unknown command, which Dispatch reports).
// Set to its default it goes unnoticed: Abseil 20220623 does not say
// publicly whether a flag was given.
std::string InapplicableFlag(const std::string& command) {
  const auto& all = CommandFlags();
  const auto it = all.find(command);
  if (it == all.end()) return "";
  for (const auto& [other, names] : all) {
    for (absl::string_view name : names) {
      if (absl::c_linear_search(it->second, name)) continue;
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      if (flag != nullptr && Given(*flag)) return std::string(name);
    }
  }
  return "";
}

// `pulse watch`: reads its flags, then watches until done; the exit status.
int RunWatchCommand(pulse::Client& client, pulse::Output output) {
  pulse::WatchArgs args;
  args.post_ids = absl::GetFlag(FLAGS_post);
  args.account_ids = absl::GetFlag(FLAGS_account);
  args.hashtags = absl::GetFlag(FLAGS_hashtag);
  args.global = absl::GetFlag(FLAGS_global);
  args.top = absl::GetFlag(FLAGS_top);
  args.top_window = absl::GetFlag(FLAGS_top_window);
  args.top_metric = absl::GetFlag(FLAGS_top_metric);
  args.top_limit = absl::GetFlag(FLAGS_top_limit);
  args.trending = absl::GetFlag(FLAGS_trending);
  args.trending_window = absl::GetFlag(FLAGS_trending_window);
  args.trending_metric = absl::GetFlag(FLAGS_trending_metric);
  args.trending_limit = absl::GetFlag(FLAGS_trending_limit);
  args.min_interval = absl::GetFlag(FLAGS_min_interval);
  if (std::string orphan = OrphanFlag(args.top, FLAGS_top_window,
                                      FLAGS_top_metric, FLAGS_top_limit);
      !orphan.empty()) {
    return UsageError(absl::StrCat("--", orphan, " needs --top"));
  }
  if (std::string orphan =
          OrphanFlag(args.trending, FLAGS_trending_window,
                     FLAGS_trending_metric, FLAGS_trending_limit);
      !orphan.empty()) {
    return UsageError(absl::StrCat("--", orphan, " needs --trending"));
  }
  absl::StatusOr<pulse::v1::SubscribeRequest> request =
      pulse::BuildSubscribeRequest(args);
  if (!request.ok()) return UsageError(request.status().message());
  pulse::WatchOptions options;
  options.count = absl::GetFlag(FLAGS_count);
  if (options.count < 0) return UsageError("--count must not be negative");
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  if (duration <= absl::ZeroDuration()) {
    return UsageError("--duration must be positive");
  }
  output.json = output.json || isatty(STDOUT_FILENO) == 0;
  options.live_table = !output.json;

  pulse::SubscribeHandle handle;
  absl::Status status;
  {
    pulse::WatchStopper stopper(&handle, duration);
    status = pulse::RunWatch(client, *request, options, &handle, output);
  }
  return status.ok() ? 0 : Fail(status, kExitFailure);
}

// Runs `command` with its positional `args`; returns the exit status.
int Dispatch(pulse::Client& client, const std::string& command,
             const std::vector<std::string>& args,
             const pulse::Output& output) {
  auto want_args = [&](size_t n) { return args.size() == n; };
  absl::Status status;
  if (command == "ingest") {
    if (!want_args(1)) return UsageError("usage: pulse ingest FILE");
    return RunIngest(client, args[0], output);
  } else if (command == "stats") {
    if (args.empty()) return UsageError("usage: pulse stats POST_ID...");
    status = pulse::RunStats(client, args, output);
  } else if (command == "account") {
    if (!want_args(1)) return UsageError("usage: pulse account ACCOUNT_ID");
    pulse::v1::GetAccountStatsRequest request;
    request.set_account_id(args[0]);
    absl::Duration window = absl::GetFlag(FLAGS_growth_window);
    if (window <= absl::ZeroDuration()) {
      return UsageError("--growth_window must be positive");
    }
    *request.mutable_growth_window() = pulse::ToProtoDuration(window);
    status = pulse::RunAccount(client, request, output);
  } else if (command == "hashtag") {
    if (!want_args(1)) return UsageError("usage: pulse hashtag TAG");
    status = pulse::RunHashtag(client, Hashtag(args[0]), output);
  } else if (command == "global") {
    if (!want_args(0)) return UsageError("usage: pulse global");
    status = pulse::RunGlobal(client, output);
  } else if (command == "series") {
    if (!want_args(0)) return UsageError("series takes flags only");
    pulse::SeriesArgs series;
    absl::StatusOr<std::string> post =
        OneValue("post", absl::GetFlag(FLAGS_post));
    absl::StatusOr<std::string> account =
        OneValue("account", absl::GetFlag(FLAGS_account));
    absl::StatusOr<std::string> hashtag =
        OneValue("hashtag", absl::GetFlag(FLAGS_hashtag));
    for (const absl::Status& one :
         {post.status(), account.status(), hashtag.status()}) {
      if (!one.ok()) return UsageError(one.message());
    }
    series.post_id = *post;
    series.account_id = *account;
    series.hashtag = Hashtag(*hashtag);
    series.global = absl::GetFlag(FLAGS_global);
    series.metric = absl::GetFlag(FLAGS_metric);
    series.resolution = absl::GetFlag(FLAGS_resolution);
    series.since = absl::GetFlag(FLAGS_since);
    series.start = absl::GetFlag(FLAGS_start);
    if (!series.start.empty() && Given(FLAGS_since)) {
      return UsageError("give --since or --start, not both");
    }
    series.end = absl::GetFlag(FLAGS_end);
    absl::StatusOr<pulse::v1::QueryTimeSeriesRequest> request =
        pulse::BuildSeriesRequest(series, absl::Now());
    if (!request.ok()) return UsageError(request.status().message());
    status = pulse::RunSeries(client, *request, output);
  } else if (command == "top") {
    if (!want_args(0)) return UsageError("top takes flags only");
    absl::StatusOr<std::string> account =
        OneValue("account", absl::GetFlag(FLAGS_account));
    if (!account.ok()) return UsageError(account.status().message());
    absl::StatusOr<std::string> hashtag =
        OneValue("hashtag", absl::GetFlag(FLAGS_hashtag));
    if (!hashtag.ok()) return UsageError(hashtag.status().message());
    absl::StatusOr<pulse::v1::TopPostsRequest> request =
        pulse::BuildTopPostsRequest(
            absl::GetFlag(FLAGS_window), absl::GetFlag(FLAGS_metric),
            absl::GetFlag(FLAGS_limit), *account, Hashtag(*hashtag));
    if (!request.ok()) return UsageError(request.status().message());
    status = pulse::RunTop(client, *request, output);
  } else if (command == "trending") {
    if (!want_args(0)) return UsageError("trending takes flags only");
    absl::StatusOr<pulse::v1::TrendingHashtagsRequest> request =
        pulse::BuildTrendingRequest(
            absl::GetFlag(FLAGS_window), absl::GetFlag(FLAGS_metric),
            absl::GetFlag(FLAGS_limit), absl::GetFlag(FLAGS_min_count));
    if (!request.ok()) return UsageError(request.status().message());
    status = pulse::RunTrending(client, *request, output);
  } else if (command == "watch") {
    if (!want_args(0)) return UsageError("watch takes flags only");
    return RunWatchCommand(client, output);
  } else if (command == "backup" || command == "admin") {
    return RunAdminCommand(client, command, args, output);
  } else {
    return UsageError(absl::StrCat("unknown command \"", command, "\""));
  }
  return status.ok() ? 0 : Fail(status, kExitFailure);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> joined =
      pulse::JoinRepeatedListFlags(std::vector<std::string>(argv, argv + argc),
                                   {"post", "account", "hashtag"});
  std::vector<char*> joined_argv;
  joined_argv.reserve(joined.size());
  for (std::string& arg : joined) joined_argv.push_back(arg.data());
  std::vector<char*> positional = pulse::server::ParseCommandLine(
      static_cast<int>(joined_argv.size()), joined_argv.data(), kUsage,
      "clients/pulse_main.cc");
  if (positional.size() < 2) return UsageError("no command given");
  std::string command = positional[1];
  std::vector<std::string> args(positional.begin() + 2, positional.end());

  const std::string flags_of =
      command == "backup" && !args.empty() && args[0] == "restore"
          ? "backup restore"
          : command;
  if (std::string flag = InapplicableFlag(flags_of); !flag.empty()) {
    return UsageError(
        absl::StrCat("--", flag, " does not apply to 'pulse ", flags_of, "'"));
  }

  pulse::Output output;
  output.json = absl::GetFlag(FLAGS_json);
  output.out = &std::cout;
  output.err = &std::cerr;
  if (command == "backup" && !args.empty() && args[0] == "restore") {
    return RunRestore(std::vector<std::string>(args.begin() + 1, args.end()),
                      output);
  }
  // Before Connect: gRPC's threads must inherit the blocked signals.
  if (command == "watch") pulse::BlockStopSignals();

  pulse::ClientOptions options;
  options.deadline = absl::GetFlag(FLAGS_timeout);
  if (options.deadline <= absl::ZeroDuration()) {
    return UsageError("--timeout must be positive");
  }
  options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  absl::StatusOr<std::string> token =
      pulse::TokenFromFileOrEnv(absl::GetFlag(FLAGS_token_file));
  if (!token.ok()) return Fail(token.status(), kExitUsage);
  options.token = *std::move(token);
  absl::StatusOr<std::unique_ptr<pulse::Client>> client =
      pulse::Client::Connect(absl::GetFlag(FLAGS_server), options);
  if (!client.ok()) return Fail(client.status(), kExitUsage);
  return Dispatch(**client, command, args, output);
}
