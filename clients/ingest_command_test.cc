#include "clients/ingest_command.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"

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
    return summary;
  }

  bool StoredNothing(const absl::Status& /*failure*/) const override {
    return stored_nothing;
  }

  std::vector<v1::IngestRequest> sent;
  int finished = 0;
  // What Finish answers instead of a summary, and what StoredNothing says.
  absl::Status finish_status;
  bool stored_nothing = false;

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
  sink.stored_nothing = true;
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

// pulse-server refuses a token before reading a batch; a refusal of a batch
// names it, and the batches before it were stored.
TEST(StreamSink, StoredNothingOnlyWhenTheCallOrItsFirstBatchWasRefused) {
  std::unique_ptr<Client> client = Client::Connect("127.0.0.1:1").value();
  std::unique_ptr<BatchSink> sink = MakeStreamSink(*client);
  EXPECT_TRUE(sink->StoredNothing(absl::UnauthenticatedError(
      "IngestStream: no credentials; send 'authorization: Bearer TOKEN'")));
  EXPECT_TRUE(sink->StoredNothing(absl::PermissionDeniedError(
      "IngestStream: a 'read' token may not call it (needs 'ingest')")));
  EXPECT_FALSE(sink->StoredNothing(absl::PermissionDeniedError(
      "batch[3]: posts[0].account_id: not one of the token's accounts")));
  EXPECT_FALSE(sink->StoredNothing(
      absl::UnauthenticatedError("batch[1]: IngestStream: token revoked")));
  EXPECT_FALSE(sink->StoredNothing(absl::UnavailableError("server gone")));
  EXPECT_TRUE(sink->StoredNothing(absl::InvalidArgumentError(
      "batch[0]: engagements[0].event_id: required when the batch has no "
      "producer_id (all 1 items of the batch were rejected)")));
  EXPECT_TRUE(sink->StoredNothing(absl::PermissionDeniedError(
      "batch[0]: posts[0].account_id: not one of the token's accounts")));
  EXPECT_FALSE(sink->StoredNothing(absl::InvalidArgumentError(
      "batch[2]: engagements[0].count: must be within ±1000000000 (all 1 "
      "items of the batch were rejected)")));
  // A write that failed may have reached the write-ahead log.
  EXPECT_FALSE(sink->StoredNothing(
      absl::InternalError("batch[0]: IO error: No space left on device")));
  EXPECT_FALSE(sink->Finish().ok());
}

}  // namespace
}  // namespace pulse
