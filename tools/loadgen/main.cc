// pulse-loadgen: sends a simulated social firehose to pulse-server. Flags,
// signals and printing only; the work is in pulse_loadgen (runner.h,
// firehose.h).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "server/command_line.h"
#include "tools/loadgen/firehose.h"
#include "tools/loadgen/progress.h"
#include "tools/loadgen/runner.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "The pulse-server address (host:port).");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA that signed the server's certificate: connect "
          "over TLS. Empty: plaintext.");
ABSL_FLAG(std::string, token_file, "",
          "File holding an ingest token (first line); $PULSE_TOKEN when "
          "empty.");
ABSL_FLAG(uint64_t, seed, 1,
          "The simulation's seed: the same seed and flags give the same "
          "stream of posts, engagements and follows (times aside).");
ABSL_FLAG(double, rate, 2000,
          "Mean engagements per second over a simulated day (the diurnal "
          "rhythm swings around it); 0 sends as fast as the server takes.");
ABSL_FLAG(absl::Duration, duration, absl::InfiniteDuration(),
          "How long to send, e.g. 30s or 10m; default until Ctrl-C.");
ABSL_FLAG(int64_t, posts, 10'000,
          "Live posts: the ring of recent posts that engagements go to, all "
          "announced before the first engagement. New posts keep replacing "
          "the oldest.");
ABSL_FLAG(int64_t, accounts, 1'000, "Accounts that publish and are followed.");
ABSL_FLAG(int64_t, hashtags, 500, "Distinct hashtags.");
ABSL_FLAG(int32_t, batch_size, 1000,
          "Most items per batch (at most the server's --max_batch_items). A "
          "paced run sends about 10 batches a second, so batches are smaller "
          "at low rates.");
ABSL_FLAG(std::string, producer_id, "",
          "The producer id of the batches; default loadgen-<seed>. Two "
          "loadgens sending to one server at once need different ids (or "
          "seeds), or one's batches are taken for the other's duplicates.");
ABSL_FLAG(uint64_t, sequence_start, 0,
          "The sequence of the first batch; each batch adds one. 0 means the "
          "current time in microseconds, so a restarted loadgen continues "
          "above its previous run's sequences.");
ABSL_FLAG(double, time_scale, 96,
          "How much faster the simulated clock runs: the diurnal rhythm "
          "takes 24h / time_scale (96: a day in 15 minutes).");
ABSL_FLAG(double, diurnal_amplitude, 0.5,
          "The rate swings by ± this fraction over a simulated day; 0 keeps "
          "it flat.");
ABSL_FLAG(absl::Duration, viral_interval, absl::Minutes(3),
          "Mean time between two viral bursts, in seconds at --rate "
          "engagements/s; 0 disables them.");
ABSL_FLAG(absl::Duration, trend_interval, absl::Minutes(1),
          "Mean time between two new hashtag trends, as --viral_interval; 0 "
          "disables them.");
ABSL_FLAG(absl::Duration, ack_interval, absl::Seconds(1),
          "Each IngestStream call is closed, and its batches acknowledged, "
          "after this long.");
ABSL_FLAG(bool, progress, true,
          "Show a progress line on stderr when it is a terminal.");

namespace {

// Set by SIGINT/SIGTERM; the runner stops, acknowledges and returns.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnSignal(int signal_number) {
  g_stop.store(true);
  // A second Ctrl-C ends the process at once.
  std::signal(signal_number, SIG_DFL);
}

int Fail(const absl::Status& status) {
  std::cerr << "pulse-loadgen: " << status << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  pulse::server::ParseFlagsOnly(
      argc, argv,
      "Sends a simulated social firehose to pulse-server through "
      "IngestStream.\n\n  pulse-loadgen [--server=127.0.0.1:50051] "
      "[--rate=2000] [--duration=inf] [--seed=1] [--posts=10000] ...\n\n"
      "Accounts with Zipf-distributed followers, posts with Zipf-distributed "
      "popularity, hashtags that rise and fade, posts that go viral, a "
      "diurnal rhythm; impressions far more common than likes, likes than "
      "comments. Ctrl-C (or SIGTERM) stops cleanly with a summary.",
      "tools/loadgen/main.cc");

  const double rate = absl::GetFlag(FLAGS_rate);
  pulse::loadgen::FirehoseOptions firehose_options;
  firehose_options.seed = absl::GetFlag(FLAGS_seed);
  firehose_options.accounts = absl::GetFlag(FLAGS_accounts);
  firehose_options.posts = absl::GetFlag(FLAGS_posts);
  firehose_options.hashtags = absl::GetFlag(FLAGS_hashtags);
  firehose_options.producer_id = absl::GetFlag(FLAGS_producer_id);
  firehose_options.sequence_start = absl::GetFlag(FLAGS_sequence_start);
  if (firehose_options.sequence_start == 0) {
    firehose_options.sequence_start =
        static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  firehose_options.nominal_rate = rate > 0 ? rate : 2000;
  firehose_options.viral_mean_interval_s =
      absl::ToDoubleSeconds(absl::GetFlag(FLAGS_viral_interval));
  firehose_options.trend_mean_interval_s =
      absl::ToDoubleSeconds(absl::GetFlag(FLAGS_trend_interval));
  if (absl::Status s = pulse::loadgen::ValidateOptions(firehose_options);
      !s.ok()) {
    return Fail(s);
  }

  pulse::loadgen::RunnerOptions runner_options;
  runner_options.rate = rate;
  runner_options.duration = absl::GetFlag(FLAGS_duration);
  runner_options.batch_size = absl::GetFlag(FLAGS_batch_size);
  runner_options.time_scale = absl::GetFlag(FLAGS_time_scale);
  runner_options.diurnal_amplitude = absl::GetFlag(FLAGS_diurnal_amplitude);
  runner_options.ack_interval = absl::GetFlag(FLAGS_ack_interval);
  if (absl::Status s = pulse::loadgen::ValidateRunnerOptions(runner_options);
      !s.ok()) {
    return Fail(s);
  }

  pulse::ClientOptions client_options;
  client_options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  absl::StatusOr<std::string> token =
      pulse::TokenFromFileOrEnv(absl::GetFlag(FLAGS_token_file));
  if (!token.ok()) return Fail(token.status());
  client_options.token = *std::move(token);
  absl::StatusOr<std::unique_ptr<pulse::Client>> client =
      pulse::Client::Connect(absl::GetFlag(FLAGS_server), client_options);
  if (!client.ok()) return Fail(client.status());

  pulse::loadgen::Firehose firehose(firehose_options);
  std::cerr << "pulse-loadgen: producer " << firehose.producer_id()
            << " from sequence " << firehose_options.sequence_start << " to "
            << absl::GetFlag(FLAGS_server) << ": "
            << (rate > 0 ? absl::StrCat(rate, " engagements/s")
                         : std::string("unpaced"))
            << ", " << firehose_options.posts << " live posts, "
            << firehose_options.accounts << " accounts, "
            << firehose_options.hashtags << " hashtags, seed "
            << firehose_options.seed << "\n";

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  const bool show_progress =
      absl::GetFlag(FLAGS_progress) && isatty(STDERR_FILENO) == 1;
  pulse::loadgen::Runner::ProgressCallback progress;
  if (show_progress) {
    progress = [](const pulse::loadgen::RunStats& stats) {
      std::cerr << "\r" << pulse::loadgen::FormatProgress(stats) << "\033[K"
                << std::flush;
    };
  }
  // The progress line shows a retry as it happens; without it (systemd,
  // nohup, a pipe) one line when retries begin and one when they end.
  pulse::loadgen::Runner::RetryCallback on_retry;
  if (!show_progress) {
    on_retry = [](const pulse::loadgen::RetryEpisode& episode) {
      std::cerr << pulse::loadgen::FormatRetryEpisode(episode) << std::flush;
    };
  }
  pulse::loadgen::Runner runner(client->get(), &firehose, runner_options);
  pulse::loadgen::RunStats stats;
  const absl::Status status = runner.Run(g_stop, progress, &stats, on_retry);
  if (show_progress) std::cerr << "\n";
  std::cout << pulse::loadgen::FormatSummary(stats) << std::flush;
  if (!status.ok()) return Fail(status);
  return 0;
}
