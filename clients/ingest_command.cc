#include "clients/ingest_command.h"

#include <algorithm>
#include <istream>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
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

// N of a message that starts "batch[N]" (pulse-server names a stream's
// batches so); nullopt otherwise.
std::optional<int64_t> RefusedBatch(absl::string_view message) {
  if (!absl::ConsumePrefix(&message, "batch[")) return std::nullopt;
  const size_t end = message.find(']');
  int64_t n = 0;
  if (end == absl::string_view::npos ||
      !absl::SimpleAtoi(message.substr(0, end), &n) || n < 0) {
    return std::nullopt;
  }
  return n;
}

// The item a message names after an optional "batch[N]: " or "batch[N].":
// "engagements[0].event_id: ..." as ("engagements", 0).
std::optional<std::pair<absl::string_view, int64_t>> NamedItem(
    absl::string_view message) {
  if (RefusedBatch(message).has_value()) {
    message.remove_prefix(message.find(']') + 1);
    if (!absl::ConsumePrefix(&message, ": "))
      absl::ConsumePrefix(&message, ".");
  }
  for (absl::string_view collection : {"posts", "engagements", "follows"}) {
    absl::string_view rest = message;
    if (!absl::ConsumePrefix(&rest, collection) ||
        !absl::ConsumePrefix(&rest, "[")) {
      continue;
    }
    const size_t end = rest.find(']');
    int64_t index = 0;
    if (end == absl::string_view::npos ||
        !absl::SimpleAtoi(rest.substr(0, end), &index)) {
      return std::nullopt;
    }
    return std::make_pair(collection, index);
  }
  return std::nullopt;
}

// "lines 1-5", "line 1", "lines 1-5 and part of line 6": the lines that
// batches 0..count-1 hold whole, and the one they share with batch count;
// "" when not remembered.
std::string LinesBefore(const SentLines& lines, int64_t count) {
  const auto last = lines.Range(count - 1);
  if (!last.has_value()) return "";
  int64_t whole = last->second;
  bool partly = false;
  if (const auto next = lines.Range(count);
      next.has_value() && next->first == whole) {
    --whole;
    partly = true;
  }
  std::string out;
  if (whole == 1) out = "line 1";
  if (whole > 1) out = absl::StrCat("lines 1-", whole);
  if (partly) {
    absl::StrAppend(&out, out.empty() ? "" : " and ", "part of line ",
                    whole + 1);
  }
  return out;
}

// "lines 6-10", "line 6".
std::string LineRange(std::pair<int64_t, int64_t> range) {
  return range.first == range.second
             ? absl::StrCat("line ", range.first)
             : absl::StrCat("lines ", range.first, "-", range.second);
}

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
  std::optional<int64_t> BatchesStored(
      const absl::Status& failure) const override {
    const absl::StatusCode code = failure.code();
    const bool refused = code == absl::StatusCode::kUnauthenticated ||
                         code == absl::StatusCode::kPermissionDenied;
    std::optional<int64_t> named = RefusedBatch(failure.message());
    if (refused && !named.has_value()) return 0;
    if (refused || code == absl::StatusCode::kInvalidArgument) return named;
    return std::nullopt;
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

  // Each batch is its own call, answered when stored; a call refused
  // outright (invalid, or not allowed) stored nothing, one that broke may
  // have stored its batch.
  std::optional<int64_t> BatchesStored(
      const absl::Status& failure) const override {
    switch (failure.code()) {
      case absl::StatusCode::kInvalidArgument:
      case absl::StatusCode::kUnauthenticated:
      case absl::StatusCode::kPermissionDenied:
        return batches_;
      default:
        return std::nullopt;
    }
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

// Names the item `failure` names by its input line, when known: "line 6:
// batch[1]: engagements[0].event_id: ...". `batch` is the failed batch's
// index.
absl::Status WithLine(const absl::Status& failure, int64_t batch,
                      const SentLines& lines) {
  const auto item = NamedItem(failure.message());
  if (!item.has_value()) return failure;
  const int64_t line = lines.LineOf(batch, item->first, item->second);
  if (line == 0) return failure;
  return absl::Status(failure.code(),
                      absl::StrCat("line ", line, ": ", failure.message()));
}

// The server's reason for an item that needs an event_id, which a producer
// id replaces.
constexpr absl::string_view kNeedsEventId =
    "required when the batch has no producer_id";

void HintProducerId(absl::string_view message, std::ostream& err) {
  if (absl::StrContains(message, kNeedsEventId)) {
    err << "pulse: give each line an eventId, or run with --producer_id=ID "
           "(batches are then deduplicated whole)\n";
  }
}

}  // namespace

int64_t SentLines::Items(const ItemLines& lines) {
  return static_cast<int64_t>(lines.posts.size() + lines.engagements.size() +
                              lines.follows.size());
}

void SentLines::Record(int64_t index, ItemLines lines) {
  items_ += Items(lines);
  batches_.push_back({index, std::move(lines)});
  while (items_ > kMaxItems && batches_.size() > 1) {
    items_ -= Items(batches_.front().lines);
    batches_.pop_front();
  }
}

const ItemLines* SentLines::Find(int64_t index) const {
  if (batches_.empty() || index < batches_.front().index ||
      index > batches_.back().index) {
    return nullptr;
  }
  return &batches_[static_cast<size_t>(index - batches_.front().index)].lines;
}

std::optional<std::pair<int64_t, int64_t>> SentLines::Range(
    int64_t index) const {
  const ItemLines* found = Find(index);
  if (found == nullptr) return std::nullopt;
  const ItemLines& lines = *found;
  std::optional<std::pair<int64_t, int64_t>> range;
  for (const auto* v : {&lines.posts, &lines.engagements, &lines.follows}) {
    for (int64_t line : *v) {
      if (!range.has_value()) range.emplace(line, line);
      range->first = std::min(range->first, line);
      range->second = std::max(range->second, line);
    }
  }
  return range;
}

int64_t SentLines::LineOf(int64_t index, absl::string_view collection,
                          int64_t item) const {
  const ItemLines* found = Find(index);
  if (found == nullptr || item < 0) return 0;
  const ItemLines& lines = *found;
  const std::vector<int64_t>* v = collection == "posts" ? &lines.posts
                                  : collection == "engagements"
                                      ? &lines.engagements
                                  : collection == "follows" ? &lines.follows
                                                            : nullptr;
  if (v == nullptr || item >= static_cast<int64_t>(v->size())) return 0;
  return (*v)[static_cast<size_t>(item)];
}

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
  auto send = [&](Batch batch) {
    v1::IngestRequest& request = batch.request;
    if (!options.producer_id.empty() && request.producer_id().empty()) {
      request.set_producer_id(options.producer_id);
      request.set_sequence(sequence++);
    }
    progress->lines.Record(progress->batches_sent, std::move(batch.lines));
    absl::Status sent = sink.Send(request);
    if (!sent.ok()) {
      progress->send_failed = true;
      return sent;
    }
    ++progress->batches_sent;
    progress->items_sent += ItemCount(request);
    if (on_batch) on_batch(*progress);
    return absl::OkStatus();
  };

  std::string line;
  while (std::getline(in, line)) {
    const int64_t line_number = ++progress->lines_read;
    absl::StatusOr<v1::IngestRequest> contribution =
        ParseJsonLine(line, line_number);
    if (!contribution.ok()) return contribution.status();
    std::vector<Batch> full =
        builder.Add(*std::move(contribution), line_number);
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
  if (std::optional<Batch> last = builder.Flush()) {
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
  // A failure of the sink's (not a bad input line) that shows what was
  // stored: say so by batch and line.
  const std::optional<int64_t> stored =
      !failure.ok() && (pumped.ok() || progress.send_failed)
          ? sink.BatchesStored(failure)
          : std::nullopt;
  if (stored == 0) {
    *output.err << "pulse: the server refused the ingest: nothing was stored ("
                << (pumped.ok() ? absl::StrCat("all ", progress.lines_read,
                                               " lines were read")
                                : absl::StrCat("stopped reading at line ",
                                               progress.lines_read))
                << ")\n";
    HintProducerId(failure.message(), *output.err);
    return WithLine(failure, 0, progress.lines);
  }
  if (stored.has_value()) {
    const auto refused = progress.lines.Range(*stored);
    const std::string before = LinesBefore(progress.lines, *stored);
    *output.err << "pulse: the server refused batch[" << *stored << "]"
                << (refused.has_value()
                        ? absl::StrCat(" (", LineRange(*refused), ")")
                        : "")
                << "; the " << FormatCount(*stored)
                << (*stored == 1 ? " batch" : " batches") << " before it"
                << (*stored == 1 ? " was" : " were") << " stored"
                << (before.empty() ? "" : absl::StrCat(" (", before, ")"))
                << ", nothing from it on\n";
    HintProducerId(failure.message(), *output.err);
    return WithLine(failure, *stored, progress.lines);
  }
  if (summary.ok()) {
    const SentLines& lines = progress.lines;
    absl::Status emitted = Emit(
        *summary,
        RenderIngestSummary(
            *summary, kRejectedItemsShown,
            [&lines](const v1::RejectedItem& item) {
              const std::optional<int64_t> batch = RefusedBatch(item.field());
              return batch.has_value()
                         ? lines.LineOf(*batch, item.collection(), item.index())
                         : int64_t{0};
            }),
        output);
    for (const v1::RejectedItem& item : summary->rejected_items()) {
      if (absl::StrContains(item.reason(), kNeedsEventId)) {
        HintProducerId(item.reason(), *output.err);
        break;
      }
    }
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
