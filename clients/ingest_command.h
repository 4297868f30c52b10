// `pulse ingest`: JSON lines streamed to the server in batches. Memory is
// bounded: each batch goes out as soon as it is full, so at most one partial
// batch and the batches a single line completes are held at a time.
#ifndef PULSE_CLIENTS_INGEST_COMMAND_H_
#define PULSE_CLIENTS_INGEST_COMMAND_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/batch_builder.h"
#include "clients/client.h"
#include "clients/commands.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// How `pulse ingest` groups and labels its batches.
struct BatchingOptions {
  // Items per batch, at least 1.
  int64_t batch_size = 1000;
  // When set, stamped on each batch that has no producer_id of its own,
  // with sequence numbers increasing from sequence_start.
  std::string producer_id;
  uint64_t sequence_start = 1;
};

// Where the batches of an ingest go, in order: an IngestStream call, unary
// Ingest calls, or a test's recorder. Used from one thread.
class BatchSink {
 public:
  virtual ~BatchSink() = default;

  // Sends one batch; may block. An error ends the ingest.
  virtual absl::Status Send(const v1::IngestRequest& batch) = 0;

  // Ends the ingest (call once, also after a failed Send) and returns the
  // summary of what the server took, or why it failed.
  virtual absl::StatusOr<v1::IngestStreamResponse> Finish() = 0;

  // When `failure` (from Send or Finish) shows exactly what the server
  // stored, however many batches went out: the number of batches, from the
  // first, that it stored before it refused the next (0: nothing). nullopt
  // when that cannot be told (a broken call may have stored part of it).
  virtual std::optional<int64_t> BatchesStored(
      const absl::Status& failure) const = 0;
};

// A sink over one IngestStream call of `client`, which must outlive it.
std::unique_ptr<BatchSink> MakeStreamSink(Client& client);

// A sink making one unary Ingest call of `client` per batch, summed into one
// summary; `client` must outlive it.
std::unique_ptr<BatchSink> MakeUnarySink(Client& client);

// The input lines of the batches sent, to name lines in messages: each
// item's line, for the latest batches up to kMaxItems items in all (the
// batches a stream has in flight when one is refused are far fewer).
class SentLines {
 public:
  static constexpr int64_t kMaxItems = int64_t{1} << 20;

  // Batch `index` (0-based, in sending order) came from `lines`.
  void Record(int64_t index, ItemLines lines);
  // The first and last line of batch `index`; nullopt when not remembered.
  std::optional<std::pair<int64_t, int64_t>> Range(int64_t index) const;
  // The line of item `collection`[`item`] ("posts", "engagements",
  // "follows") of batch `index`; 0 when not remembered.
  int64_t LineOf(int64_t index, absl::string_view collection,
                 int64_t item) const;

 private:
  struct Sent {
    int64_t index;
    ItemLines lines;
  };
  static int64_t Items(const ItemLines& lines);
  // Batch `index`'s lines; nullptr when not remembered.
  const ItemLines* Find(int64_t index) const;

  std::deque<Sent> batches_;
  int64_t items_ = 0;
};

// How far an ingest got.
struct IngestProgress {
  // Lines read, a bad one included.
  int64_t lines_read = 0;
  // Lines 1..whole_lines_sent went out whole in sent batches.
  int64_t whole_lines_sent = 0;
  // Line whole_lines_sent + 1 went out in part (it straddles batches).
  bool next_line_partly_sent = false;
  // Batches and items handed to the sink.
  int64_t batches_sent = 0;
  int64_t items_sent = 0;
  // The sink failed a batch (not counted above): the ingest stopped there.
  bool send_failed = false;
  // Where each batch handed to the sink came from, the failed one included.
  SentLines lines;
};

// Reads JSON lines from `in` and hands each batch to `sink` as soon as it is
// full. Stops at the first unparsable line (INVALID_ARGUMENT "line N: ...";
// the partial batch before it is not sent), at a read error or at the
// sink's first error. Calls `on_batch` (may be empty) after each batch and
// keeps `progress` current. Does not call sink.Finish.
absl::Status PumpBatches(
    std::istream& in, const BatchingOptions& options, BatchSink& sink,
    IngestProgress* progress,
    const std::function<void(const IngestProgress&)>& on_batch = nullptr);

// `pulse ingest`: PumpBatches, then Finish; prints the summary of what the
// server took (also after a failure, when there is one) on output.out and,
// on failure, how far the ingest got (or that nothing was stored) on
// output.err. Shows a progress line on output.err when `show_progress`.
// Returns the first failure.
absl::Status RunIngest(std::istream& in, const BatchingOptions& options,
                       BatchSink& sink, bool show_progress,
                       const Output& output);

}  // namespace pulse

#endif  // PULSE_CLIENTS_INGEST_COMMAND_H_
