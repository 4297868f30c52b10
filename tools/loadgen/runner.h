// The sending loop of pulse-loadgen: paces a Firehose's batches into
// IngestStream calls, collects acknowledgements, and survives server
// restarts without losing or doubling a batch.
//
// Acknowledgements: IngestStream answers once per call, so the runner ends
// each call after `ack_interval` (or `max_unacked_batches`) and starts a new
// one; the call's summary acknowledges its batches. Until then the batches
// are kept, and when a call fails they are re-sent on a new call with their
// original sequence numbers: the server stores each batch exactly once (a
// batch it already has comes back as a duplicate batch).
#ifndef PULSE_TOOLS_LOADGEN_RUNNER_H_
#define PULSE_TOOLS_LOADGEN_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "pulse/v1/analytics.pb.h"
#include "tools/loadgen/firehose.h"
#include "tools/loadgen/pacer.h"

namespace pulse::loadgen {

// How the runner sends.
struct RunnerOptions {
  // Mean engagements per second over a simulated day; 0 sends as fast as
  // the server takes them (and ignores the diurnal rhythm).
  double rate = 2'000;
  // How long to send; infinite means until stopped.
  absl::Duration duration = absl::InfiniteDuration();
  // Most items (posts + engagements + follows) per batch.
  int batch_size = 1'000;
  // Simulated time runs this many times faster than the wall clock.
  double time_scale = 96;
  // Depth of the diurnal rhythm: the rate swings by ± this fraction.
  double diurnal_amplitude = 0.5;
  // An IngestStream call is ended (and its batches acknowledged) after this.
  absl::Duration ack_interval = absl::Seconds(1);
  // ... or after this many batches, which bounds the memory kept for resends.
  int max_unacked_batches = 64;
  // How often the progress callback runs.
  absl::Duration progress_interval = absl::Milliseconds(500);
};

// OK, or INVALID_ARGUMENT naming the first bad option.
absl::Status ValidateRunnerOptions(const RunnerOptions& options);

// What a run has done so far.
struct RunStats {
  absl::Duration elapsed;
  // Sent (first sends; re-sends are counted in resent_batches).
  int64_t batches = 0;
  int64_t posts = 0;
  int64_t engagements = 0;
  int64_t follows = 0;
  // Acknowledged by the server: batches and their items.
  int64_t acked_batches = 0;
  int64_t acked_items = 0;
  // From the servers' summaries.
  int64_t accepted = 0;
  int64_t duplicate_batches = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  int64_t unknown_post_engagements = 0;
  // The first rejected item, as "field: reason", or "".
  std::string first_rejection;
  // Recovery after a failed call.
  int64_t reconnects = 0;
  int64_t resent_batches = 0;
  // The last error that interrupted sending, or "" when none.
  std::string last_error;
  // The current target in engagements/s (0 when unpaced), its diurnal
  // factor and the simulated wall clock.
  double target_rate = 0;
  double diurnal = 1;
  absl::Time sim_time;
  // The simulation's viral post ("" for none) and trending hashtags.
  std::string viral_post;
  std::vector<std::string> trending;
};

// A retry episode: from the failure that first interrupts sending to the
// next call the server acknowledges, however many calls fail in between.
struct RetryEpisode {
  // The failure that began the episode.
  absl::Status why;
  // False when the episode begins; true when it ends with an acknowledged
  // call, with how long it lasted and how many new calls it started.
  bool recovered = false;
  absl::Duration lasted;
  int64_t retries = 0;
};

// Sends one firehose to one server. Runs on the thread that calls Run.
class Runner {
 public:
  // Called on Run's thread with the stats so far; must not block for long.
  using ProgressCallback = std::function<void(const RunStats&)>;
  // Called on Run's thread when a retry episode begins and when it recovers
  // (not when the run ends within one: Run's status says why); must not
  // block for long.
  using RetryCallback = std::function<void(const RetryEpisode&)>;

  // `client` and `firehose` must outlive the runner; options must be valid.
  Runner(Client* client, Firehose* firehose, RunnerOptions options);

  // Sends until the duration has passed or `stop` becomes true (then it
  // acknowledges what was sent), or until a non-retryable error, which it
  // returns. Retryable errors (server down, busy) are retried with backoff
  // for as long as the run lasts. Blocks; fills `stats` in every case.
  // `on_retry` (may be empty) hears of each retry episode.
  absl::Status Run(const std::atomic<bool>& stop,
                   const ProgressCallback& progress, RunStats* stats,
                   const RetryCallback& on_retry = nullptr);

 private:
  // Writes `batch` on the current call (starting one if needed).
  absl::Status Send(pulse::v1::IngestRequest batch);
  // Ends the current call and tallies its summary; on failure resends the
  // unacknowledged batches on new calls until one is acknowledged.
  absl::Status Acknowledge();
  // After `why` broke a call: waits, starts a new call and resends the
  // unacknowledged batches. Returns `why` when it is not retryable, or when
  // stopped or past the run's end while the server stays unreachable.
  absl::Status Reconnect(absl::Status why);
  // Sleeps until `until` or until stopped, reporting progress meanwhile.
  void SleepUntil(absl::Time until);
  // Fills the live parts of stats_ and calls the callback when due.
  void MaybeReport(bool force);
  void StartCall();

  Client* client_;
  Firehose* firehose_;
  RunnerOptions options_;
  const std::atomic<bool>* stop_ = nullptr;
  const ProgressCallback* progress_ = nullptr;
  const RetryCallback* on_retry_ = nullptr;
  RunStats* stats_ = nullptr;
  absl::Time start_;
  // start_ + duration: retries stop here as they do when stopped.
  absl::Time end_;
  absl::Time next_report_;
  SimClock sim_clock_;
  std::unique_ptr<IngestStream> call_;
  absl::Time call_started_;
  std::deque<pulse::v1::IngestRequest> unacked_;
  // The retry episode under way, if any: when it began and stats_->reconnects
  // then.
  bool retrying_ = false;
  absl::Time retry_began_;
  int64_t reconnects_before_retry_ = 0;
};

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_RUNNER_H_
