#include "clients/client.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/ingest_command.h"
#include "clients/watch_command.h"

namespace pulse {
namespace {

// A fake service: answers GetPostStats with NOT_FOUND, sums IngestStream
// batches and sends endless Updates on Subscribe until cancelled. The other
// RPCs are left to gRPC's UNIMPLEMENTED default.
class FakeService final : public v1::AnalyticsService::Service {
 public:
  grpc::Status GetPostStats(grpc::ServerContext*,
                            const v1::GetPostStatsRequest* request,
                            v1::PostStats*) override {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no post " + request->post_id());
  }

  grpc::Status Ingest(grpc::ServerContext*, const v1::IngestRequest* request,
                      v1::IngestResponse* response) override {
    response->set_accepted(request->engagements_size());
    return grpc::Status::OK;
  }

  grpc::Status IngestStream(grpc::ServerContext*,
                            grpc::ServerReader<v1::IngestRequest>* reader,
                            v1::IngestStreamResponse* response) override {
    if (refuse_ingest) {
      // As pulse-server refuses a token: before reading a batch, but late
      // enough for the client's first writes to have gone out, as they may
      // on a busy server.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "IngestStream: no credentials");
    }
    v1::IngestRequest batch;
    while (reader->Read(&batch)) {
      response->set_batches(response->batches() + 1);
      response->set_accepted(response->accepted() + batch.engagements_size());
    }
    return grpc::Status::OK;
  }

  grpc::Status Subscribe(grpc::ServerContext* context,
                         const v1::SubscribeRequest*,
                         grpc::ServerWriter<v1::Update>* writer) override {
    v1::Update update;
    for (uint64_t seq = 1; !context->IsCancelled(); ++seq) {
      update.set_seq(seq);
      update.set_snapshot(seq == 1);
      if (!writer->Write(update)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return grpc::Status::CANCELLED;
  }

  // Set before the call: IngestStream ends with UNAUTHENTICATED, unread.
  std::atomic<bool> refuse_ingest{false};
};

// A fake server on a free loopback port, and a Client connected to it.
class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    absl::StatusOr<std::unique_ptr<Client>> client =
        Client::Connect("127.0.0.1:" + std::to_string(port));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  void TearDown() override { server_->Shutdown(); }

  FakeService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Client> client_;
};

TEST(FromGrpcStatus, KeepsCodeAndMessage) {
  absl::Status status = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down"));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "slow down");
}

TEST(FromGrpcStatus, MapsOkToOk) {
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(Connect, RejectsATargetThatIsNotHostAndPort) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:99999"}) {
    const absl::Status status = Client::Connect(bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(
        absl::StrContains(status.message(), "--server: expected HOST:PORT"))
        << status;
  }
  // A target URI is left to gRPC.
  EXPECT_TRUE(Client::Connect("dns:///localhost:50051").ok());
}

// gRPC would log the whole token and abort on the first call.
TEST(Connect, RejectsATokenThatIsNotPrintableAsciiWithoutQuotingIt) {
  ClientOptions options;
  options.token = "secret-token\r";
  const absl::Status status = Client::Connect("127.0.0.1:1", options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "byte 12")) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "secret")) << status;
}

// `export PULSE_TOKEN=$(cat token-file-with-CRLF)` keeps the '\r'.
TEST(TokenFromFileOrEnv, DropsTheWhitespaceAroundTheEnvironmentsToken) {
  ASSERT_EQ(setenv("PULSE_TOKEN", " readtoken\r\n", 1), 0);
  const absl::StatusOr<std::string> token = TokenFromFileOrEnv("");
  unsetenv("PULSE_TOKEN");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "readtoken");
}

TEST_F(ClientTest, UnaryErrorComesBackWithItsCodeAndMessage) {
  v1::GetPostStatsRequest request;
  request.set_post_id("p9");
  absl::StatusOr<v1::PostStats> stats = client_->GetPostStats(request);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(stats.status().message(), "no post p9");
}

TEST_F(ClientTest, UnimplementedRpcIsUnimplemented) {
  EXPECT_EQ(
      client_->GetGlobalStats(v1::GetGlobalStatsRequest()).status().code(),
      absl::StatusCode::kUnimplemented);
}

TEST_F(ClientTest, IngestStreamReturnsTheServersSummary) {
  std::unique_ptr<IngestStream> stream = client_->StartIngestStream();
  v1::IngestRequest batch;
  batch.add_engagements()->set_post_id("p1");
  batch.add_engagements()->set_post_id("p2");
  ASSERT_TRUE(stream->Write(batch));
  ASSERT_TRUE(stream->Write(batch));
  absl::StatusOr<v1::IngestStreamResponse> summary = stream->Finish();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->batches(), 2);
  EXPECT_EQ(summary->accepted(), 4);
}

// gRPC's own ClientWriter::Write goes on returning true after the server has
// ended the call; ours fails as soon as the status has come back.
TEST_F(ClientTest, IngestStreamWriteFailsOnceTheServerHasEndedTheCall) {
  service_.refuse_ingest = true;
  std::unique_ptr<IngestStream> stream =
      client_->StartIngestStream(absl::Seconds(30));
  v1::IngestRequest batch;
  for (int i = 0; i < 100; ++i) batch.add_engagements()->set_post_id("p1");
  const absl::Time start = absl::Now();
  bool failed = false;
  while (!failed && absl::Now() - start < absl::Seconds(10)) {
    failed = !stream->Write(batch);
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE(failed);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(stream->Finish().status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(ClientTest, IngestStreamDestroyedUnfinishedEndsTheCall) {
  std::unique_ptr<IngestStream> stream = client_->StartIngestStream();
  v1::IngestRequest batch;
  batch.add_engagements()->set_post_id("p1");
  ASSERT_TRUE(stream->Write(batch));
  stream.reset();  // must neither hang nor leak the call
}

TEST_F(ClientTest, SubscribeEndsWithOkWhenTheCallbackStops) {
  std::vector<uint64_t> seqs;
  absl::Status status =
      client_->Subscribe(v1::SubscribeRequest(), [&](const v1::Update& update) {
        seqs.push_back(update.seq());
        return seqs.size() < 3;
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(ClientTest, SubscribeEndsWithOkWhenTheHandleIsCancelled) {
  SubscribeHandle handle;
  absl::Notification first_update;
  std::thread canceller([&] {
    first_update.WaitForNotification();
    handle.Cancel();
  });
  absl::Status status = client_->Subscribe(
      v1::SubscribeRequest(),
      [&](const v1::Update&) {
        if (!first_update.HasBeenNotified()) first_update.Notify();
        return true;
      },
      &handle);
  canceller.join();
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(ClientTest, SubscribeWithAnAlreadyCancelledHandleReturnsAtOnce) {
  SubscribeHandle handle;
  handle.Cancel();
  int updates = 0;
  absl::Status status = client_->Subscribe(
      v1::SubscribeRequest(),
      [&](const v1::Update&) {
        ++updates;
        return true;
      },
      &handle);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(updates, 0);
}

TEST_F(ClientTest, IngestThroughUnaryCallsPrintsTheSummedSummary) {
  std::istringstream in(
      "{\"postId\":\"p1\",\"kind\":\"LIKE\"}\n"
      "{\"postId\":\"p2\",\"kind\":\"LIKE\"}\n"
      "{\"postId\":\"p3\",\"kind\":\"LIKE\"}\n");
  BatchingOptions options;
  options.batch_size = 1;
  std::unique_ptr<BatchSink> sink = MakeUnarySink(*client_);
  std::ostringstream out;
  std::ostringstream err;
  Output output{true, &out, &err};
  absl::Status status =
      RunIngest(in, options, *sink, /*show_progress=*/false, output);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_NE(out.str().find(R"("batches":"3")"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(R"("accepted":"3")"), std::string::npos)
      << out.str();
}

TEST_F(ClientTest, IngestThroughAStreamSendsEveryBatch) {
  std::istringstream in(
      "{\"postId\":\"p1\",\"kind\":\"LIKE\"}\n"
      "{\"postId\":\"p2\",\"kind\":\"LIKE\"}\n");
  BatchingOptions options;
  options.batch_size = 1;
  std::unique_ptr<BatchSink> sink = MakeStreamSink(*client_);
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, options, *sink, false, Output{true, &out, &err});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_NE(out.str().find(R"("batches":"2")"), std::string::npos) << out.str();
}

// A refused stream is over: the ingest stops reading, and says that nothing
// was stored rather than that every line was sent.
TEST_F(ClientTest,
       IngestThroughARefusedStreamStopsReadingAndSaysNothingWasStored) {
  service_.refuse_ingest = true;
  std::string lines;
  for (int i = 0; i < 100'000; ++i) {
    absl::StrAppend(&lines, "{\"eventId\":\"e", i,
                    "\",\"postId\":\"p1\",\"kind\":\"LIKE\"}\n");
  }
  std::istringstream in(lines);
  BatchingOptions options;
  options.batch_size = 1000;
  std::unique_ptr<BatchSink> sink = MakeStreamSink(*client_);
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status =
      RunIngest(in, options, *sink, false, Output{false, &out, &err});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_FALSE(in.eof()) << "read the whole input: " << err.str();
  EXPECT_TRUE(absl::StrContains(err.str(), "nothing was stored")) << err.str();
  EXPECT_FALSE(absl::StrContains(err.str(), "may have stored")) << err.str();
  EXPECT_EQ(out.str(), "");
}

TEST_F(ClientTest, WatchPrintsOneJsonLinePerUpdateUntilTheCount) {
  WatchOptions options;
  options.count = 3;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status = RunWatch(*client_, v1::SubscribeRequest(), options,
                                 nullptr, Output{true, &out, &err});
  ASSERT_TRUE(status.ok()) << status;
  std::istringstream lines(out.str());
  std::vector<std::string> seen;
  for (std::string line; std::getline(lines, line);) seen.push_back(line);
  ASSERT_EQ(seen.size(), 3u) << out.str();
  EXPECT_NE(seen[0].find(R"("snapshot":true)"), std::string::npos);
  EXPECT_NE(seen[2].find(R"("seq":"3")"), std::string::npos);
}

TEST_F(ClientTest, WatchOnATerminalRedrawsTheMergedState) {
  WatchOptions options;
  options.count = 2;
  options.live_table = true;
  std::ostringstream out;
  std::ostringstream err;
  absl::Status status = RunWatch(*client_, v1::SubscribeRequest(), options,
                                 nullptr, Output{false, &out, &err});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(out.str().find("\x1b[H\x1b[2Jseq 1 "), 0u) << out.str();
  EXPECT_NE(out.str().find("\x1b[H\x1b[2Jseq 2 "), std::string::npos);
}

TEST(ClientUnreachable, CallFailsWithUnavailable) {
  ClientOptions options;
  options.deadline = absl::Seconds(5);
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect("127.0.0.1:1", options);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(
      (*client)->GetGlobalStats(v1::GetGlobalStatsRequest()).status().code(),
      absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pulse
