#include "clients/ingest_command.h"

#include <istream>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clients/batch_builder.h"
#include "clients/ingest_summary.h"
#include "clients/json_lines.h"
#include "clients/render.h"
#include "clients/table.h"

namespace pulse {
namespace {

// How many rejected items the human-readable ingest summary lists.
constexpr int kRejectedItemsShown = 5;

// The least time between two progress lines.
constexpr absl::Duration kProgressInterval = absl::Milliseconds(200);

class StreamSink final : public BatchSink {
 public:
  explicit StreamSink(Client& client) : stream_(client.StartIngestStream()) {}

  absl::Status Send(const v1::IngestRequest& batch) override {
    if (stream_->Write(batch)) return absl::OkStatus();
    // A broken stream says why only when finished.
    result_ = stream_->Finish();
    if (result_->ok()) {
      result_ = absl::UnknownError("the ingest stream broke without a status");
    }
    return result_->status();
  }

  absl::StatusOr<v1::IngestStreamResponse> Finish() override {
    if (!result_.has_value()) result_ = stream_->Finish();
    return *result_;
  }

  // pulse-server checks the token as the call starts, before it reads a
  // batch; a later batch refused (a token revoked, out of its accounts,
  // every item invalid) is named: "batch[N]: ...", the batches before it
  // stored, it not. A failed write is named too, but may still have reached
  // the log.
  bool StoredNothing(const absl::Status& failure) const override {
    const absl::StatusCode code = failure.code();
    const bool refused = code == absl::StatusCode::kUnauthenticated ||
                         code == absl::StatusCode::kPermissionDenied;
    if (refused && !absl::StartsWith(failure.message(), "batch[")) return true;
    return (refused || code == absl::StatusCode::kInvalidArgument) &&
           absl::StartsWith(failure.message(), "batch[0]: ");
  }

 private:
  std::unique_ptr<IngestStream> stream_;
  std::optional<absl::StatusOr<v1::IngestStreamResponse>> result_;
};

class UnarySink final : public BatchSink {
 public:
  explicit UnarySink(Client& client) : client_(client) {}

  absl::Status Send(const v1::IngestRequest& batch) override {
    absl::StatusOr<v1::IngestResponse> response = client_.Ingest(batch);
    if (!response.ok()) return response.status();
    AddToSummary(batches_++, *response, &summary_);
    return absl::OkStatus();
  }

  absl::StatusOr<v1::IngestStreamResponse> Finish() override {
    return summary_;
  }

  // Each batch is its own call, answered when stored: how far the ingest
  // got says what was stored.
  bool StoredNothing(const absl::Status& /*failure*/) const override {
    return false;
  }

 private:
  Client& client_;
  int64_t batches_ = 0;
  v1::IngestStreamResponse summary_;
};

// Prints "lines read L, batches sent B, items sent I" over the previous line.
class ProgressLine {
 public:
  ProgressLine(bool enabled, std::ostream* err)
      : enabled_(enabled), err_(err) {}

  // Shows `progress`, at most every kProgressInterval unless `last`.
  void Show(const IngestProgress& progress, bool last = false) {
    if (!enabled_) return;
    absl::Time now = absl::Now();
    if (!last && now - shown_ < kProgressInterval) return;
    if (last && shown_ == absl::InfinitePast()) return;
    shown_ = now;
    *err_ << absl::StrFormat("\rlines read %s, batches sent %s, items sent %s",
                             FormatCount(progress.lines_read),
                             FormatCount(progress.batches_sent),
                             FormatCount(progress.items_sent))
          << (last ? "\n" : "") << std::flush;
  }

 private:
  bool enabled_;
  std::ostream* err_;
  absl::Time shown_ = absl::InfinitePast();
};

// "sent 3 batches (2,500 items) holding lines 1-5 and part of line 6".
std::string DescribeSent(const IngestProgress& progress) {
  if (progress.batches_sent == 0) {
    return progress.send_failed ? "its first batch failed" : "nothing was sent";
  }
  std::string lines;
  if (progress.whole_lines_sent == 1) {
    lines = "line 1";
  } else if (progress.whole_lines_sent > 1) {
    lines = absl::StrCat("lines 1-", progress.whole_lines_sent);
  }
  if (progress.next_line_partly_sent) {
    absl::StrAppend(&lines, lines.empty() ? "" : " and ", "part of line ",
                    progress.whole_lines_sent + 1);
  }
  return absl::StrCat(
      "sent ", FormatCount(progress.batches_sent),
      progress.batches_sent == 1 ? " batch (" : " batches (",
      FormatCount(progress.items_sent),
      progress.items_sent == 1 ? " item) holding " : " items) holding ", lines);
}

}  // namespace

std::unique_ptr<BatchSink> MakeStreamSink(Client& client) {
  return std::make_unique<StreamSink>(client);
}

std::unique_ptr<BatchSink> MakeUnarySink(Client& client) {
  return std::make_unique<UnarySink>(client);
}

absl::Status PumpBatches(
    std::istream& in, const BatchingOptions& options, BatchSink& sink,
    IngestProgress* progress,
    const std::function<void(const IngestProgress&)>& on_batch) {
  BatchBuilder builder(options.batch_size);
  uint64_t sequence = options.sequence_start;
  auto send = [&](v1::IngestRequest batch) {
    if (!options.producer_id.empty() && batch.producer_id().empty()) {
      batch.set_producer_id(options.producer_id);
      batch.set_sequence(sequence++);
    }
    absl::Status sent = sink.Send(batch);
    if (!sent.ok()) {
      progress->send_failed = true;
      return sent;
    }
    ++progress->batches_sent;
    progress->items_sent += ItemCount(batch);
    if (on_batch) on_batch(*progress);
    return absl::OkStatus();
  };

  std::string line;
  while (std::getline(in, line)) {
    const int64_t line_number = ++progress->lines_read;
    absl::StatusOr<v1::IngestRequest> contribution =
        ParseJsonLine(line, line_number);
    if (!contribution.ok()) return contribution.status();
    std::vector<v1::IngestRequest> full = builder.Add(*std::move(contribution));
    // The builder keeps items in order, so each batch completed by this line
    // holds every earlier item and some of this line's: counted as each is
    // sent, for a line that fills several and fails part way.
    const bool line_done = builder.pending_items() == 0;
    for (size_t i = 0; i < full.size(); ++i) {
      absl::Status sent = send(std::move(full[i]));
      if (!sent.ok()) return sent;
      const bool whole = line_done && i + 1 == full.size();
      progress->whole_lines_sent = whole ? line_number : line_number - 1;
      progress->next_line_partly_sent = !whole;
    }
    if (full.empty() && line_done) {
      progress->whole_lines_sent = line_number;
      progress->next_line_partly_sent = false;
    }
  }
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(
        "error reading the input after line ", progress->lines_read));
  }
  if (std::optional<v1::IngestRequest> last = builder.Flush()) {
    absl::Status sent = send(*std::move(last));
    if (!sent.ok()) return sent;
    progress->whole_lines_sent = progress->lines_read;
    progress->next_line_partly_sent = false;
  }
  return absl::OkStatus();
}

absl::Status RunIngest(std::istream& in, const BatchingOptions& options,
                       BatchSink& sink, bool show_progress,
                       const Output& output) {
  ProgressLine meter(show_progress, output.err);
  IngestProgress progress;
  absl::Status pumped =
      PumpBatches(in, options, sink, &progress,
                  [&](const IngestProgress& now) { meter.Show(now); });
  meter.Show(progress, /*last=*/true);
  absl::StatusOr<v1::IngestStreamResponse> summary = sink.Finish();
  const absl::Status& failure = pumped.ok() ? summary.status() : pumped;
  if (!failure.ok() && sink.StoredNothing(failure)) {
    *output.err << "pulse: the server refused the ingest: nothing was stored ("
                << (pumped.ok() ? absl::StrCat("all ", progress.lines_read,
                                               " lines were read")
                                : absl::StrCat("stopped reading at line ",
                                               progress.lines_read))
                << ")\n";
    return failure;
  }
  if (summary.ok()) {
    absl::Status emitted = Emit(
        *summary, RenderIngestSummary(*summary, kRejectedItemsShown), output);
    if (pumped.ok()) return emitted;
  }
  if (pumped.ok()) {
    *output.err << "pulse: the ingest failed after all " << progress.lines_read
                << " lines were sent (" << DescribeSent(progress)
                << "); the server may have stored part of them\n";
    return summary.status();
  }
  if (!summary.ok() && summary.status() != pumped) {
    *output.err << "pulse: the server failed the ingest too: "
                << absl::StatusCodeToString(summary.status().code()) << ": "
                << summary.status().message() << "\n";
  }
  *output.err << "pulse: ingest stopped at line " << progress.lines_read << ": "
              << DescribeSent(progress)
              << (progress.batches_sent > 0 ? "; nothing later was sent" : "")
              << "\n";
  return pumped;
}

}  // namespace pulse
