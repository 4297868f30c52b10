// pulse-server's Prometheus endpoint: scraped over HTTP from a real process,
// every line parsed, and the figures checked against what the test did.

#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::testing {
namespace {

// Parses a text exposition into "name{labels}" -> value, failing the test
// on any line that is not a comment or a well-formed sample.
std::map<std::string, double> Parse(const std::string& body) {
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})?) (-?[0-9.eE+-]+|\+Inf|NaN))");
  static const std::regex kComment(
      R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+)");
  std::map<std::string, double> samples;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kSample)) {
      samples[m[1]] = std::stod(m[4]);
    } else {
      EXPECT_TRUE(std::regex_match(line, kComment)) << "bad line: " << line;
    }
  }
  return samples;
}

TEST(Metrics, ExpositionParsesAndCountsWhatHappened) {
  TempDir dir;
  auto server = ServerProcess::Start(
      dir.path() + "/data",
      {"--metrics_listen=127.0.0.1:0", "--block_cache_mb=32"});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->metrics_port(), 0);
  auto stub = (*server)->stub();
  v1::IngestResponse ingested;
  ASSERT_TRUE(stub->Ingest(Context().get(), SampleBatch(), &ingested).ok());
  v1::GetPostStatsRequest request;
  request.set_post_id("p1");
  v1::PostStats stats;
  ASSERT_TRUE(stub->GetPostStats(Context().get(), request, &stats).ok());
  request.set_post_id("missing");
  EXPECT_FALSE(stub->GetPostStats(Context().get(), request, &stats).ok());
  {  // a refused Subscribe (min_interval under 50 ms) counts as it ends
    v1::SubscribeRequest subscribe;
    subscribe.set_global(true);
    subscribe.mutable_min_interval()->set_nanos(1'000'000);
    auto context = Context();
    auto reader = stub->Subscribe(context.get(), subscribe);
    v1::Update update;
    EXPECT_FALSE(reader->Read(&update));
    EXPECT_EQ(reader->Finish().error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }

  const std::string response = HttpGet((*server)->metrics_port(), "/metrics");
  const size_t body_start = response.find("\r\n\r\n");
  ASSERT_NE(body_start, std::string::npos) << response;
  EXPECT_EQ(response.rfind("HTTP/1.0 200", 0), 0u) << response.substr(0, 40);
  const auto samples = Parse(response.substr(body_start + 4));

  EXPECT_EQ(samples.at(R"(pulse_rpcs_total{method="GetPostStats",code="OK"})"),
            1);
  EXPECT_EQ(
      samples.at(R"(pulse_rpcs_total{method="GetPostStats",code="NOT_FOUND"})"),
      1);
  EXPECT_EQ(samples.at(R"(pulse_rpcs_total{method="Ingest",code="OK"})"), 1);
  EXPECT_EQ(
      samples.at(
          R"(pulse_rpcs_total{method="Subscribe",code="INVALID_ARGUMENT"})"),
      1);
  EXPECT_EQ(samples.at("pulse_ingest_engagements_total"), 11);
  EXPECT_EQ(samples.at("pulse_ingest_items_total"), 17);
  EXPECT_EQ(samples.at("pulse_ingest_batch_seconds_count"), 1);
  EXPECT_EQ(
      samples.at(R"(pulse_rpc_latency_seconds_count{method="GetPostStats"})"),
      2);
  EXPECT_EQ(
      samples.at(
          R"(pulse_rpc_latency_seconds_bucket{method="GetPostStats",le="+Inf"})"),
      2);
  EXPECT_EQ(samples.at("pulse_subscriptions"), 0);
  EXPECT_EQ(samples.at("pulse_boards_ready"), 1);  // an empty store: at once
  EXPECT_GT(samples.at("pulse_rocksdb_cur_size_all_mem_tables"), 0);
  EXPECT_EQ(samples.count("pulse_rocksdb_estimate_pending_compaction_bytes"),
            1u);
  // One block cache shared by the column families, reported once.
  EXPECT_EQ(samples.at("pulse_rocksdb_block_cache_capacity"), 32 << 20);
  EXPECT_LE(samples.at("pulse_rocksdb_block_cache_usage"), 32 << 20);

  EXPECT_EQ(
      HttpGet((*server)->metrics_port(), "/other").rfind("HTTP/1.0 404", 0),
      0u);
}

// A stream the client cancels counts as CANCELLED, not as a stream that
// ended well: OnReadDone(false) is both a half-close and a cancellation.
TEST(Metrics, ACancelledIngestStreamCountsAsCancelled) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() + "/data",
                                     {"--metrics_listen=127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto scrape = [&] {
    const std::string response = HttpGet((*server)->metrics_port(), "/metrics");
    const size_t body_start = response.find("\r\n\r\n");
    return body_start == std::string::npos
               ? std::map<std::string, double>{}
               : Parse(response.substr(body_start + 4));
  };
  auto stub = (*server)->stub();
  auto context = Context();
  v1::IngestStreamResponse summary;
  auto writer = stub->IngestStream(context.get(), &summary);
  ASSERT_TRUE(writer->Write(SampleBatch()));
  // Stored: the server holds the call.
  ASSERT_TRUE(WaitUntil(
      [&] { return scrape()["pulse_ingest_batch_seconds_count"] == 1; },
      absl::Seconds(10)));
  context->TryCancel();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  const std::string cancelled =
      R"(pulse_rpcs_total{method="IngestStream",code="CANCELLED"})";
  EXPECT_TRUE(
      WaitUntil([&] { return scrape()[cancelled] == 1; }, absl::Seconds(10)));
  EXPECT_EQ(
      scrape().count(R"(pulse_rpcs_total{method="IngestStream",code="OK"})"),
      0u);
}

}  // namespace
}  // namespace pulse::testing
