#include "clients/ingest_command.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pulse {
namespace {

// Records the batches it is sent; fails the send numbered `fail_at` (1-based).
class RecordingSink final : public BatchSink {
 public:
  explicit RecordingSink(int fail_at = 0) : fail_at_(fail_at) {}

  absl::Status Send(const v1::IngestRequest& batch) override {
    if (static_cast<int>(sent.size()) + 1 == fail_at_) {
      return absl::UnavailableError("server gone");
    }
    sent.push_back(batch);
    return absl::OkStatus();
  }

  absl::StatusOr<v1::IngestStreamResponse> Finish() override {
    ++finished;
    if (!finish_status.ok()) return finish_status;
    v1::IngestStreamResponse summary;
    summary.set_batches(static_cast<int64_t>(sent.size()));
    for (const v1::RejectedItem& item : rejected) {
      *summary.add_rejected_items() = item;
    }
    return summary;
  }

  std::optional<int64_t> BatchesStored(
      const absl::Status& /*failure*/) const override {
    return batches_stored;
  }

  std::vector<v1::IngestRequest> sent;
  int finished = 0;
  // What Finish answers instead of a summary, and what BatchesStored says.
  absl::Status finish_status;
  std::optional<int64_t> batches_stored;
  // The rejected items of the summary.
  std::vector<v1::RejectedItem> rejected;

 private:
  int fail_at_;
};

std::string Like(const std::string& event_id) {
  return R"({"postId":"p1","kind":"LIKE","eventId":")" + event_id + "\"}\n";
}

constexpr char kBadLine[] = "{\"bad json\n";

TEST(PumpBatches, GroupsLinesIntoBatchesOfBatchSize) {
  std::istringstream in(Like("e1") + Like("e2") + "\n" +
                        R"({"engagement":{"postId":"p1","kind":"SHARE",)"
                        R"("eventId":"e3"}})"
                        "\n");
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  IngestProgress progress;
  ASSERT_TRUE(PumpBatches(in, options, sink, &progress).ok());
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[0].engagements_size(), 2);
  EXPECT_EQ(sink.sent[1].engagements(0).event_id(), "e3");
  EXPECT_TRUE(sink.sent[0].producer_id().empty());
  EXPECT_EQ(progress.whole_lines_sent, 4);
  EXPECT_EQ(progress.items_sent, 3);
}

TEST(PumpBatches, SendsEachBatchBeforeReadingFurther) {
  // The stream breaks after two lines: a pump that read everything first
  // would report the bad line without having sent anything.
  std::istringstream in(Like("e1") + Like("e2") + kBadLine);
  BatchingOptions options;
  options.batch_size = 1;
  RecordingSink sink;
  IngestProgress progress;
  absl::Status status = PumpBatches(in, options, sink, &progress);
  EXPECT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(progress.whole_lines_sent, 2);
  EXPECT_EQ(progress.lines_read, 3);
  EXPECT_TRUE(absl::StartsWith(status.message(), "line 3: ")) << status;
}

TEST(PumpBatches, DoesNotSendThePartialBatchBeforeABadLine) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3") + kBadLine);
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  IngestProgress progress;
  absl::Status status = PumpBatches(in, options, sink, &progress);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(progress.whole_lines_sent, 2);
}

TEST(PumpBatches, NotesALineThatStraddlesASentBatch) {
  std::istringstream in(Like("e1") +
                        R"({"engagements":[{"postId":"p","kind":"LIKE"},)"
                        R"({"postId":"p","kind":"LIKE"}]})"
                        "\n" +
                        kBadLine);
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  IngestProgress progress;
  EXPECT_FALSE(PumpBatches(in, options, sink, &progress).ok());
  EXPECT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(progress.whole_lines_sent, 1);
  EXPECT_TRUE(progress.next_line_partly_sent);
}

// A line that fills several batches and fails after the first: part of it
// was sent.
TEST(PumpBatches, NotesALineThatFailsPartWayThroughItsBatches) {
  std::istringstream in(
      R"({"engagements":[{"postId":"p","kind":"LIKE"},{"postId":"p","kind":"LIKE"},)"
      R"({"postId":"p","kind":"LIKE"},{"postId":"p","kind":"LIKE"},)"
      R"({"postId":"p","kind":"LIKE"}]})"
      "\n");
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink(/*fail_at=*/2);
  IngestProgress progress;
  EXPECT_FALSE(PumpBatches(in, options, sink, &progress).ok());
  EXPECT_EQ(progress.batches_sent, 1);
  EXPECT_EQ(progress.whole_lines_sent, 0);
  EXPECT_TRUE(progress.next_line_partly_sent);
}

TEST(PumpBatches, StampsIncreasingSequencesWhenAProducerIdIsGiven) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3"));
  BatchingOptions options;
  options.batch_size = 1;
  options.producer_id = "cli";
  options.sequence_start = 5;
  RecordingSink sink;
  IngestProgress progress;
  ASSERT_TRUE(PumpBatches(in, options, sink, &progress).ok());
  ASSERT_EQ(sink.sent.size(), 3u);
  EXPECT_EQ(sink.sent[0].producer_id(), "cli");
  EXPECT_EQ(sink.sent[0].sequence(), 5u);
  EXPECT_EQ(sink.sent[2].sequence(), 7u);
}

TEST(PumpBatches, KeepsTheProducerIdOfALineThatHasOne) {
  std::istringstream in(
      R"({"producerId":"own","sequence":"3","engagements":[{"postId":"p","kind":"LIKE"}]})"
      "\n");
  BatchingOptions options;
  options.producer_id = "cli";
  RecordingSink sink;
  IngestProgress progress;
  ASSERT_TRUE(PumpBatches(in, options, sink, &progress).ok());
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].producer_id(), "own");
  EXPECT_EQ(sink.sent[0].sequence(), 3u);
}

TEST(PumpBatches, StopsAtTheSinksFirstError) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3"));
  BatchingOptions options;
  options.batch_size = 1;
  RecordingSink sink(/*fail_at=*/2);
  IngestProgress progress;
  EXPECT_EQ(PumpBatches(in, options, sink, &progress).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(progress.batches_sent, 1);
  EXPECT_EQ(progress.lines_read, 2);
}

TEST(RunIngest, ReportsTheBadLineAndWhatWasSent) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3") + kBadLine);
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status = RunIngest(in, options, sink, /*show_progress=*/false,
                                  Output{/*json=*/true, &out, &err});
  EXPECT_TRUE(absl::StartsWith(status.message(), "line 4: ")) << status;
  EXPECT_EQ(sink.finished, 1);
  EXPECT_EQ(err.str(),
            "pulse: ingest stopped at line 4: sent 1 batch (2 items) "
            "holding lines 1-2; nothing later was sent\n");
  EXPECT_TRUE(absl::StrContains(out.str(), R"("batches":"1")")) << out.str();
}

TEST(RunIngest, SaysNothingWasSentWhenTheFirstBatchWasNotFull) {
  std::istringstream in(Like("e1") + kBadLine);
  RecordingSink sink;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, BatchingOptions(), sink, false, Output{false, &out, &err});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(err.str(), "pulse: ingest stopped at line 2: nothing was sent\n");
}

// Sent and failed is not "nothing was sent" (pulse ingest --nostream, whose
// first Ingest call the server refused).
TEST(RunIngest, SaysThatTheFirstBatchFailedWhenItsSendFailed) {
  std::istringstream in(Like("e1"));
  RecordingSink sink(/*fail_at=*/1);
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, BatchingOptions(), sink, false, Output{false, &out, &err});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(err.str(),
            "pulse: ingest stopped at line 1: its first batch failed\n");
}

TEST(RunIngest, SaysThatNothingWasStoredWhenTheServerRefusedTheCall) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3"));
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  sink.finish_status = absl::UnauthenticatedError("IngestStream: no token");
  sink.batches_stored = 0;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, options, sink, false, Output{false, &out, &err});
  EXPECT_EQ(status, sink.finish_status);
  EXPECT_EQ(err.str(),
            "pulse: the server refused the ingest: nothing was stored (all 3 "
            "lines were read)\n");
  EXPECT_EQ(out.str(), "");
}

TEST(RunIngest, SaysWhatWasSentWhenTheServerMayHaveStoredPartOfIt) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3"));
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  sink.finish_status = absl::UnavailableError("server gone");
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, options, sink, false, Output{false, &out, &err});
  EXPECT_EQ(status, sink.finish_status);
  EXPECT_EQ(err.str(),
            "pulse: the ingest failed after all 3 lines were sent (sent 2 "
            "batches (3 items) holding lines 1-3); the server may have stored "
            "part of them\n");
}

// A batch the server refused names its lines and those of the batches
// stored before it, and the status names the refused item's line.
TEST(RunIngest, NamesTheLinesOfARefusedBatchAndOfThoseStoredBefore) {
  std::string input;
  for (int i = 1; i <= 12; ++i) input += Like(absl::StrCat("e", i));
  std::istringstream in(input);
  BatchingOptions options;
  options.batch_size = 5;
  RecordingSink sink;
  sink.finish_status = absl::InvalidArgumentError(
      "batch[1]: engagements[2].event_id: required when the batch has no "
      "producer_id (all 5 items of the batch were rejected)");
  sink.batches_stored = 1;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, options, sink, false, Output{false, &out, &err});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(),
                               "line 8: batch[1]: engagements[2].event_id"))
      << status;
  EXPECT_EQ(err.str(),
            "pulse: the server refused batch[1] (lines 6-10); the 1 batch "
            "before it was stored (lines 1-5), nothing from it on\n"
            "pulse: give each line an eventId, or run with --producer_id=ID "
            "(batches are then deduplicated whole)\n");
}

// A line whose items straddle the stored batch and the refused one.
TEST(RunIngest, SaysWhenTheLastStoredBatchHeldPartOfALine) {
  std::istringstream in(
      Like("e1") +
      R"({"engagements":[{"postId":"p1","kind":"LIKE","eventId":"e2"},)"
      R"({"postId":"p1","kind":"LIKE","eventId":"e3"}]})"
      "\n" +
      Like("e4"));
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  sink.finish_status = absl::PermissionDeniedError(
      "batch[1]: engagements[1].post_id: not one of the token's accounts");
  sink.batches_stored = 1;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, options, sink, false, Output{false, &out, &err});
  EXPECT_TRUE(absl::StartsWith(status.message(), "line 3: ")) << status;
  EXPECT_EQ(err.str(),
            "pulse: the server refused batch[1] (lines 2-3); the 1 batch "
            "before it was stored (line 1 and part of line 2), nothing from "
            "it on\n");
}

TEST(RunIngest, NamesTheLinesOfRejectedItems) {
  std::istringstream in(Like("e1") + Like("e2") + Like("e3"));
  BatchingOptions options;
  options.batch_size = 2;
  RecordingSink sink;
  v1::RejectedItem item;
  item.set_collection("engagements");
  item.set_index(0);
  item.set_field("batch[1].engagements[0].event_id");
  item.set_reason("required when the batch has no producer_id");
  sink.rejected.push_back(item);
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_TRUE(
      RunIngest(in, options, sink, false, Output{false, &out, &err}).ok());
  EXPECT_TRUE(absl::StrContains(out.str(), "LINE  FIELD")) << out.str();
  EXPECT_TRUE(
      absl::StrContains(out.str(), "   3  batch[1].engagements[0].event_id"))
      << out.str();
  EXPECT_TRUE(absl::StrContains(err.str(), "--producer_id=ID")) << err.str();
}

// Only the latest batches' lines are kept, up to SentLines::kMaxItems items.
TEST(SentLines, ForgetsTheOldestBatchesPastItsBound) {
  SentLines lines;
  ItemLines big;
  big.engagements.assign(SentLines::kMaxItems / 2, 7);
  lines.Record(0, big);
  lines.Record(1, big);
  ItemLines small;
  small.posts = {9, 10};
  lines.Record(2, small);
  EXPECT_FALSE(lines.Range(0).has_value());
  EXPECT_EQ(lines.LineOf(0, "engagements", 0), 0);
  EXPECT_EQ(lines.Range(1), std::make_pair(int64_t{7}, int64_t{7}));
  EXPECT_EQ(lines.Range(2), std::make_pair(int64_t{9}, int64_t{10}));
  EXPECT_EQ(lines.LineOf(2, "posts", 1), 10);
  EXPECT_EQ(lines.LineOf(2, "posts", 2), 0);
  EXPECT_EQ(lines.LineOf(2, "follows", 0), 0);
  EXPECT_FALSE(lines.Range(3).has_value());
}

// pulse-server refuses a token before reading a batch; a refusal of a batch
// names it, and the batches before it were stored.
TEST(StreamSink, KnowsWhatWasStoredWhenTheCallOrABatchWasRefused) {
  std::unique_ptr<Client> client = Client::Connect("127.0.0.1:1").value();
  std::unique_ptr<BatchSink> sink = MakeStreamSink(*client);
  EXPECT_EQ(sink->BatchesStored(absl::UnauthenticatedError(
                "IngestStream: no credentials; send 'authorization: Bearer "
                "TOKEN'")),
            0);
  EXPECT_EQ(sink->BatchesStored(absl::PermissionDeniedError(
                "IngestStream: a 'read' token may not call it (needs "
                "'ingest')")),
            0);
  EXPECT_EQ(sink->BatchesStored(absl::PermissionDeniedError(
                "batch[3]: posts[0].account_id: not one of the token's "
                "accounts")),
            3);
  EXPECT_EQ(sink->BatchesStored(
                absl::UnauthenticatedError("batch[1]: IngestStream: token "
                                           "revoked")),
            1);
  EXPECT_EQ(sink->BatchesStored(absl::UnavailableError("server gone")),
            std::nullopt);
  EXPECT_EQ(sink->BatchesStored(absl::InvalidArgumentError(
                "batch[0]: engagements[0].event_id: required when the batch "
                "has no producer_id (all 1 items of the batch were "
                "rejected)")),
            0);
  EXPECT_EQ(sink->BatchesStored(absl::InvalidArgumentError(
                "batch[2]: engagements[0].count: must be within ±1000000000 "
                "(all 1 items of the batch were rejected)")),
            2);
  // A write that failed may have reached the write-ahead log.
  EXPECT_EQ(sink->BatchesStored(
                absl::InternalError("batch[0]: IO error: No space left on "
                                    "device")),
            std::nullopt);
  EXPECT_FALSE(sink->Finish().ok());
}

}  // namespace
}  // namespace pulse
