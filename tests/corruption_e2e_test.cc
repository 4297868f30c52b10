// A damaged SST file under a real pulse-server (README: Hardening, "Disk
// full, I/O errors and corruption"). Damage in a data block: the server
// serves, reads that touch the block answer DATA_LOSS naming the file and
// pointing to backup and restore, the rest answers, nothing crashes; once a
// compaction has read the block, ingest answers DATA_LOSS too. Damage in
// what RocksDB reads when it opens (a table's footer): the server refuses to
// start, saying the same.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pulse/v1/admin.grpc.pb.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_reader.h"
#include "rocksdb/table_properties.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::testing {
namespace {

constexpr int kPosts = 2000;
constexpr int kPerBatch = 100;

// Flips `n` bytes of `path` at `offset`.
void FlipBytes(const std::string& path, std::streamoff offset, int n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open()) << path;
  std::vector<char> bytes(n);
  f.seekg(offset);
  f.read(bytes.data(), n);
  for (char& b : bytes) b = static_cast<char>(~b);
  f.seekp(offset);
  f.write(bytes.data(), n);
  ASSERT_TRUE(f.good()) << path;
}

class CorruptionTest : public ::testing::Test {
 protected:
  std::string data_dir() const { return dir_.path() + "/data"; }

  // Ingests one like on each of q0..q1999, compacts (so that every counter
  // is in SST files) and stops the server cleanly.
  void MakeDataDir() {
    auto server = ServerProcess::Start(data_dir());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = (*server)->stub();
    for (int b = 0; b < kPosts / kPerBatch; ++b) {
      v1::IngestRequest batch;
      batch.set_producer_id("corruption");
      batch.set_sequence(b + 1);
      for (int i = 0; i < kPerBatch; ++i) {
        *batch.add_engagements() = MakeEngagement(
            "", absl::StrCat("q", b * kPerBatch + i), v1::LIKE, 1);
      }
      v1::IngestResponse response;
      grpc::Status status = stub->Ingest(Context().get(), batch, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
    auto admin = v1::AdminService::NewStub((*server)->channel());
    v1::CompactResponse compacted;
    grpc::Status status =
        admin->Compact(Context().get(), v1::CompactRequest(), &compacted);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ((*server)->Terminate(), 0);
  }

  // The SST file of the counters column family.
  std::string CountersSst() {
    for (const auto& entry : std::filesystem::directory_iterator(data_dir())) {
      if (entry.path().extension() != ".sst") continue;
      rocksdb::SstFileReader reader{rocksdb::Options()};
      if (!reader.Open(entry.path().string()).ok()) continue;
      if (reader.GetTableProperties()->column_family_name == "counters")
        return entry.path().string();
    }
    ADD_FAILURE() << "no SST file of the counters column family in "
                  << data_dir();
    return "";
  }

  TempDir dir_;
};

TEST_F(CorruptionTest, DamagedBlockAnswersDataLossNamingTheFile) {
  MakeDataDir();
  const std::string sst = CountersSst();
  ASSERT_FALSE(sst.empty());
  const auto size =
      static_cast<std::streamoff>(std::filesystem::file_size(sst));
  // Data blocks fill the front of the file; index and footer are at its end.
  FlipBytes(sst, size / 3, 64);

  auto server = ServerProcess::Start(data_dir());
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->stub();
  int ok = 0, lost = 0;
  for (int p = 0; p < kPosts; ++p) {
    v1::GetPostStatsRequest request;
    request.set_post_id(absl::StrCat("q", p));
    v1::PostStats stats;
    grpc::Status status = stub->GetPostStats(Context().get(), request, &stats);
    if (status.ok()) {
      EXPECT_EQ(stats.likes(), 1) << request.post_id();
      ++ok;
      continue;
    }
    ASSERT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
        << request.post_id() << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(
        status.error_message(), std::filesystem::path(sst).filename().string()))
        << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), "Backup and restore"))
        << status.error_message();
    ++lost;
  }
  EXPECT_GT(lost, 0);
  EXPECT_GT(ok, kPosts / 2);

  // Still up, still serving, and ingest still works.
  auto health = grpc::health::v1::Health::NewStub((*server)->channel());
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(health->Check(Context().get(), {}, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  v1::IngestRequest more;
  more.set_producer_id("corruption");
  more.set_sequence(1000);
  *more.add_engagements() = MakeEngagement("", "q-new", v1::LIKE, 1);
  v1::IngestResponse response;
  grpc::Status status = stub->Ingest(Context().get(), more, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // A compaction reads the damaged block: it fails, and RocksDB stops
  // writes, so ingest answers DATA_LOSS too; reads still answer.
  auto admin = v1::AdminService::NewStub((*server)->channel());
  v1::CompactResponse compacted;
  status = admin->Compact(Context().get(), v1::CompactRequest(), &compacted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
      << status.error_message();
  more.set_sequence(1001);
  status = stub->Ingest(Context().get(), more, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "Backup and restore"))
      << status.error_message();
  v1::GetPostStatsRequest request;
  request.set_post_id("q-new");
  v1::PostStats stats;
  status = stub->GetPostStats(Context().get(), request, &stats);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(stats.likes(), 1);
  EXPECT_EQ((*server)->Terminate(), 0);
}

TEST_F(CorruptionTest, DamagedFooterStopsStartUpNamingTheFile) {
  MakeDataDir();
  const std::string sst = CountersSst();
  ASSERT_FALSE(sst.empty());
  const auto size =
      static_cast<std::streamoff>(std::filesystem::file_size(sst));
  FlipBytes(sst, size - 8, 8);  // the table magic number

  auto server = ServerProcess::Start(data_dir());
  ASSERT_FALSE(server.ok()) << "the server started on a damaged data dir";
  const std::string message(server.status().message());
  EXPECT_TRUE(absl::StrContains(message,
                                std::filesystem::path(sst).filename().string()))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "Backup and restore")) << message;
}

// Damage in the middle of the write-ahead log (a disk's, not a crash's):
// start-up stops, saying so, rather than replay up to it and drop the rest,
// acknowledged batches included, with only RocksDB's warning; with
// --wal_recovery=salvage it does that, and says so as an error.
TEST_F(CorruptionTest, DamageInTheWriteAheadLogStopsStartUpUnlessSalvaged) {
  constexpr int kBatches = 200;
  {
    auto server = ServerProcess::Start(data_dir());
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = (*server)->stub();
    for (int b = 0; b < kBatches; ++b) {
      v1::IngestRequest batch;
      batch.set_producer_id("wal");
      batch.set_sequence(b + 1);
      *batch.add_engagements() = MakeEngagement("", "w1", v1::LIKE, 1);
      v1::IngestResponse response;
      grpc::Status status = stub->Ingest(Context().get(), batch, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
    (*server)->Kill9();  // the batches are in the WAL only
  }
  std::string wal;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir())) {
    if (entry.path().extension() == ".log" &&
        std::filesystem::file_size(entry.path()) > 4096) {
      wal = entry.path().string();
    }
  }
  ASSERT_FALSE(wal.empty()) << "no write-ahead log with the batches";
  FlipBytes(
      wal, static_cast<std::streamoff>(std::filesystem::file_size(wal) / 2), 1);

  auto refused = ServerProcess::Start(data_dir());
  ASSERT_FALSE(refused.ok()) << "the server started on a damaged WAL";
  const std::string message(refused.status().message());
  EXPECT_TRUE(absl::StrContains(message, "DATA_LOSS")) << message;
  EXPECT_TRUE(absl::StrContains(message, "--wal_recovery=salvage")) << message;

  auto salvaged = ServerProcess::Start(data_dir(), {"--wal_recovery=salvage"});
  ASSERT_TRUE(salvaged.ok()) << salvaged.status();
  const std::string log = (*salvaged)->Log();
  EXPECT_TRUE(absl::StrContains(
      log, "ERROR write-ahead log damaged: recovery dropped what followed"))
      << log;
  v1::GetPostStatsRequest request;
  request.set_post_id("w1");
  v1::PostStats stats;
  grpc::Status status =
      (*salvaged)->stub()->GetPostStats(Context().get(), request, &stats);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(stats.likes(), 0);
  EXPECT_LT(stats.likes(), kBatches) << "nothing was dropped";
}

// Without its CURRENT file a data dir would be taken for a new database,
// and RocksDB would delete the old files as obsolete: start-up stops
// instead, and every file is left as it was.
TEST_F(CorruptionTest, AMissingCurrentFileStopsStartUpAndDeletesNothing) {
  MakeDataDir();
  const std::string sst = CountersSst();
  ASSERT_FALSE(sst.empty());
  ASSERT_TRUE(std::filesystem::remove(data_dir() + "/CURRENT"));
  auto server = ServerProcess::Start(data_dir());
  ASSERT_FALSE(server.ok()) << "the server started without CURRENT";
  const std::string message(server.status().message());
  EXPECT_TRUE(absl::StrContains(message, "no CURRENT file")) << message;
  EXPECT_TRUE(std::filesystem::exists(sst)) << sst << " was deleted";
}

}  // namespace
}  // namespace pulse::testing
