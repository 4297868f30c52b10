#include "tools/loadgen/runner.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pulse::loadgen {
namespace {

// A paced run sends about this often, so that a low rate still gives the
// dashboard a steady trickle rather than rare big batches.
constexpr double kBatchesPerSecond = 10;
// Sends late by more than this are forgiven rather than caught up.
constexpr absl::Duration kMaxLag = absl::Seconds(1);
// Retry backoff after a failed call.
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
// Once stopped, how many times a broken call is retried before giving up.
constexpr int kAttemptsWhenStopping = 3;
// The longest a waiting loop sleeps before looking at the stop flag.
constexpr absl::Duration kSleepSlice = absl::Milliseconds(50);

bool Retryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kDataLoss:
      return false;
    default:
      return true;
  }
}

int64_t ItemsOf(const pulse::v1::IngestRequest& batch) {
  return batch.posts_size() + batch.engagements_size() + batch.follows_size();
}

}  // namespace

absl::Status ValidateRunnerOptions(const RunnerOptions& options) {
  if (!(options.rate >= 0) || std::isinf(options.rate)) {
    return absl::InvalidArgumentError("rate: must be >= 0 (0 = unpaced)");
  }
  if (options.duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("duration: must be positive");
  }
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError("batch_size: must be >= 1");
  }
  if (!(options.time_scale > 0)) {
    return absl::InvalidArgumentError("time_scale: must be > 0");
  }
  if (!(options.diurnal_amplitude >= 0 && options.diurnal_amplitude < 1)) {
    return absl::InvalidArgumentError("diurnal_amplitude: must be in [0, 1)");
  }
  if (options.ack_interval <= absl::ZeroDuration() ||
      options.max_unacked_batches < 1) {
    return absl::InvalidArgumentError(
        "ack_interval and max_unacked_batches: must be positive");
  }
  return absl::OkStatus();
}

Runner::Runner(Client* client, Firehose* firehose, RunnerOptions options)
    : client_(client),
      firehose_(firehose),
      options_(options),
      sim_clock_(absl::Now(), options.time_scale) {}

void Runner::StartCall() {
  // The deadline only guards against a call that hangs: a healthy call ends
  // after ack_interval.
  call_ = client_->StartIngestStream(options_.ack_interval + absl::Minutes(1));
  call_started_ = absl::Now();
}

absl::Status Runner::Send(pulse::v1::IngestRequest batch) {
  if (call_ == nullptr) StartCall();
  const bool ok = call_->Write(batch);
  unacked_.push_back(std::move(batch));
  if (ok) return absl::OkStatus();
  absl::StatusOr<pulse::v1::IngestStreamResponse> result = call_->Finish();
  call_.reset();
  return Reconnect(
      result.ok() ? absl::UnavailableError("the server ended the call early")
                  : result.status());
}

absl::Status Runner::Acknowledge() {
  while (call_ != nullptr) {
    absl::StatusOr<pulse::v1::IngestStreamResponse> result = call_->Finish();
    call_.reset();
    if (!result.ok()) {
      absl::Status status = Reconnect(result.status());
      if (!status.ok()) return status;
      continue;
    }
    stats_->acked_batches += static_cast<int64_t>(unacked_.size());
    for (const pulse::v1::IngestRequest& batch : unacked_) {
      stats_->acked_items += ItemsOf(batch);
    }
    unacked_.clear();
    stats_->accepted += result->accepted();
    stats_->duplicate_batches += result->duplicate_batches();
    stats_->duplicates += result->duplicates();
    stats_->rejected += result->rejected();
    stats_->unknown_post_engagements += result->unknown_post_engagements();
    if (stats_->first_rejection.empty() && result->rejected_items_size() > 0) {
      const pulse::v1::RejectedItem& item = result->rejected_items(0);
      stats_->first_rejection = absl::StrCat(item.field(), ": ", item.reason());
    }
    stats_->last_error.clear();
    if (retrying_) {
      retrying_ = false;
      if (*on_retry_) {
        RetryEpisode episode;
        episode.recovered = true;
        episode.lasted = absl::Now() - retry_began_;
        episode.retries = stats_->reconnects - reconnects_before_retry_;
        (*on_retry_)(episode);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Runner::Reconnect(absl::Status why) {
  absl::Duration backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    if (!Retryable(why.code())) return why;
    stats_->last_error = why.ToString();
    if (!retrying_) {
      retrying_ = true;
      retry_began_ = absl::Now();
      reconnects_before_retry_ = stats_->reconnects;
      if (*on_retry_) {
        RetryEpisode episode;
        episode.why = why;
        (*on_retry_)(episode);
      }
    }
    // Stopped or out of time: a few quick tries to deliver what is unacked.
    const bool ending = stop_->load() || absl::Now() >= end_;
    if (ending && attempt > kAttemptsWhenStopping) {
      return absl::Status(
          why.code(),
          absl::StrCat(stop_->load() ? "stopped" : "the run's --duration ended",
                       " with ", unacked_.size(),
                       " batches unacknowledged: ", why.message()));
    }
    SleepUntil(absl::Now() + (ending ? kFirstBackoff : backoff));
    backoff = std::min(backoff * 2, kMaxBackoff);
    ++stats_->reconnects;
    StartCall();
    bool ok = true;
    for (const pulse::v1::IngestRequest& batch : unacked_) {
      if (!call_->Write(batch)) {
        ok = false;
        break;
      }
      ++stats_->resent_batches;
    }
    if (ok) return absl::OkStatus();
    absl::StatusOr<pulse::v1::IngestStreamResponse> result = call_->Finish();
    call_.reset();
    why = result.ok()
              ? absl::UnavailableError("the server ended the call early")
              : result.status();
  }
}

void Runner::SleepUntil(absl::Time until) {
  while (!stop_->load()) {
    const absl::Time now = absl::Now();
    if (now >= until) return;
    absl::SleepFor(std::min(until - now, kSleepSlice));
    MaybeReport(false);
  }
}

void Runner::MaybeReport(bool force) {
  const absl::Time now = absl::Now();
  if (!force && now < next_report_) return;
  next_report_ = now + options_.progress_interval;
  stats_->elapsed = now - start_;
  stats_->sim_time = sim_clock_.At(now);
  stats_->diurnal = DiurnalFactor(stats_->sim_time, options_.diurnal_amplitude);
  stats_->target_rate = options_.rate * stats_->diurnal;
  stats_->viral_post = firehose_->viral_post_id();
  stats_->trending = firehose_->trending_hashtags();
  if (*progress_) (*progress_)(*stats_);
}

absl::Status Runner::Run(const std::atomic<bool>& stop,
                         const ProgressCallback& progress, RunStats* stats,
                         const RetryCallback& on_retry) {
  stop_ = &stop;
  progress_ = &progress;
  on_retry_ = &on_retry;
  stats_ = stats;
  start_ = absl::Now();
  next_report_ = start_;
  sim_clock_ = SimClock(start_, options_.time_scale);
  end_ = options_.duration == absl::InfiniteDuration()
             ? absl::InfiniteFuture()
             : start_ + options_.duration;
  Pacer pacer(start_, kMaxLag);
  const bool paced = options_.rate > 0;
  const int paced_batch = static_cast<int>(std::clamp<double>(
      std::llround(options_.rate / kBatchesPerSecond), 1, options_.batch_size));
  absl::Status status;

  while (status.ok() && !stop.load() && absl::Now() < end_) {
    if (call_ != nullptr &&
        (static_cast<int>(unacked_.size()) >= options_.max_unacked_batches ||
         absl::Now() - call_started_ >= options_.ack_interval)) {
      status = Acknowledge();
      if (!status.ok()) break;
    }
    // Announcing the initial posts is not paced: only engagements are.
    double rate = 0;
    if (paced && !firehose_->warming_up()) {
      SleepUntil(std::min(pacer.due(), end_));
      if (stop.load() || absl::Now() >= end_) break;
      rate = options_.rate * DiurnalFactor(sim_clock_.At(absl::Now()),
                                           options_.diurnal_amplitude);
    }
    // Batch sizes follow the firehose's state, never the wall clock (as the
    // diurnal rate does): the stream's content depends on the sizes asked
    // for, and the same flags must give the same stream.
    const int items = rate > 0 ? paced_batch : options_.batch_size;
    pulse::v1::IngestRequest batch = firehose_->NextBatch(absl::Now(), items);
    ++stats_->batches;
    stats_->posts += batch.posts_size();
    stats_->engagements += batch.engagements_size();
    stats_->follows += batch.follows_size();
    const int engagements = batch.engagements_size();
    status = Send(std::move(batch));
    if (rate > 0 && engagements > 0) pacer.Sent(engagements, rate, absl::Now());
    MaybeReport(false);
  }
  if (status.ok()) status = Acknowledge();
  MaybeReport(true);
  return status;
}

}  // namespace pulse::loadgen
