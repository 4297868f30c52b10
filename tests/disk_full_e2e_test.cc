// A full disk under a real pulse-server: its data dir is a 16 MiB tmpfs that
// the test fills with a filler file. Ingest must answer UNAVAILABLE (and store
// nothing) while the disk is full, reads must go on, and once the filler is
// gone ingest must work again by itself, with every acknowledged batch counted
// exactly once, also after kill -9 and a restart. Needs root (mount); CI runs
// as root. README: Hardening, "Disk full, I/O errors and corruption".
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pulse/v1/admin.grpc.pb.h"
#include "storage/backup.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::testing {
namespace {

using v1::IngestRequest;

constexpr int kPosts = 5;
constexpr int kEngagementsPerBatch = 50;
constexpr char kProducer[] = "disk-full-producer";

// A batch of kEngagementsPerBatch likes over posts p0..p4, each with a user.
IngestRequest Batch(uint64_t sequence) {
  IngestRequest batch;
  batch.set_producer_id(kProducer);
  batch.set_sequence(sequence);
  for (int i = 0; i < kEngagementsPerBatch; ++i) {
    *batch.add_engagements() =
        MakeEngagement("", absl::StrCat("p", i % kPosts), v1::LIKE, 1,
                       absl::StrCat("u", sequence, "-", i));
  }
  return batch;
}

size_t CountOccurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u)
        << "disk_full_e2e_test mounts a tmpfs and needs root (CI runs as "
           "root); run it as root, e.g. sudo ctest -R disk_full";
    mount_point_ = dir_.path() + "/fs";
    std::filesystem::create_directories(mount_point_);
    ASSERT_EQ(mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=16m"), 0)
        << "mounting a 16 MiB tmpfs at " << mount_point_
        << " failed: " << std::strerror(errno);
    mounted_ = true;
  }

  void TearDown() override {
    server_.reset();
    if (HasFailure() || getenv("PULSE_SHOW_LOG"))
      std::cerr << "server log:\n" << ServerLog();
    if (mounted_ && umount2(mount_point_.c_str(), 0) != 0) {
      EXPECT_EQ(umount2(mount_point_.c_str(), MNT_DETACH), 0)
          << "unmounting " << mount_point_ << ": " << std::strerror(errno);
    }
  }

  // The data dir is the tmpfs itself, so that the server's log and port
  // files (beside the data dir) are not on the full disk.
  const std::string& data_dir() const { return mount_point_; }
  std::string filler() const { return mount_point_ + "/filler"; }
  // Backups go to the disk the test runs on, which has room.
  std::string backup_dir() const { return dir_.path() + "/backups"; }
  std::string ServerLog() const {
    std::ifstream in(mount_point_ + ".log");
    return std::string(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
  }

  void Start() {
    server_.reset();
    auto server = ServerProcess::Start(
        data_dir(), {"--log_level=info", "--metrics_listen=127.0.0.1:0",
                     "--backup_dir=" + backup_dir()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->stub();
  }

  grpc::Status Ingest(const IngestRequest& request,
                      v1::IngestResponse* response) {
    return stub_->Ingest(Context().get(), request, response);
  }

  // Sends `batch`; on success checks that it was stored as a whole and adds
  // it to acknowledged_.
  grpc::Status Send(const IngestRequest& batch) {
    v1::IngestResponse response;
    grpc::Status status = Ingest(batch, &response);
    if (status.ok()) {
      EXPECT_FALSE(response.duplicate_batch()) << batch.sequence();
      EXPECT_EQ(response.accepted(), kEngagementsPerBatch);
      acknowledged_ += kEngagementsPerBatch;
    }
    return status;
  }

  // Writes the filler until the file system has no space left.
  void Fill() {
    const int fd = open(filler().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string chunk(64 << 10, 'f');
    for (size_t size = chunk.size(); size > 0;) {
      const ssize_t n = write(fd, chunk.data(), size);
      if (n < 0) {
        ASSERT_EQ(errno, ENOSPC) << std::strerror(errno);
        size /= 2;  // fill the last pages too
      }
    }
    close(fd);
  }

  // Sends new batches until one is refused; that one must be UNAVAILABLE,
  // saying why and that it was not stored. Refused batches go to pending_.
  void IngestUntilRefused() {
    for (int i = 0; i < 1000; ++i) {
      IngestRequest batch = Batch(++sequence_);
      grpc::Status status = Send(batch);
      if (status.ok()) continue;  // slack in the WAL's last page
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
          << status.error_message();
      EXPECT_TRUE(absl::StrContains(status.error_message(), "disk full"))
          << status.error_message();
      EXPECT_TRUE(
          absl::StrContains(status.error_message(), "the batch was not stored"))
          << status.error_message();
      pending_.push_back(std::move(batch));
      break;
    }
    ASSERT_EQ(pending_.size(), 1u) << "ingest never failed on a full disk";
    // More batches meanwhile: refused too, without touching the disk.
    for (int i = 0; i < 3; ++i) {
      IngestRequest batch = Batch(++sequence_);
      grpc::Status status = Send(batch);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
          << status.error_message();
      if (!status.ok()) pending_.push_back(std::move(batch));
    }
  }

  // Removes the filler, then re-sends the refused batches.
  void FreeAndResend() {
    ASSERT_TRUE(std::filesystem::remove(filler()));
    Resend();
  }

  // Re-sends the refused batches in order (as a producer would), each until
  // it is acknowledged or 60 s have passed.
  void Resend() {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    for (const IngestRequest& batch : pending_) {
      grpc::Status status;
      while (!(status = Send(batch)).ok() && absl::Now() < deadline) {
        ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
            << status.error_message();
        absl::SleepFor(absl::Milliseconds(200));
      }
      ASSERT_TRUE(status.ok())
          << "ingest did not recover within 60 s of freeing the disk: "
          << status.error_message();
    }
    pending_.clear();
  }

  // Every count equals exactly what was acknowledged.
  void ExpectAcknowledgedCounts() {
    v1::GlobalStats global;
    grpc::Status status = stub_->GetGlobalStats(Context().get(), {}, &global);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(global.likes(), acknowledged_);
    for (int p = 0; p < kPosts; ++p) {
      v1::GetPostStatsRequest request;
      request.set_post_id(absl::StrCat("p", p));
      v1::PostStats stats;
      status = stub_->GetPostStats(Context().get(), request, &stats);
      ASSERT_TRUE(status.ok()) << status.error_message();
      EXPECT_EQ(stats.likes(), acknowledged_ / kPosts) << "p" << p;
    }
  }

  std::string Metrics() { return HttpGet(server_->metrics_port(), "/metrics"); }

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
  uint64_t sequence_ = 0;
  int64_t acknowledged_ = 0;
  std::vector<IngestRequest> pending_;
};

TEST_F(DiskFullTest, IngestIsRefusedWhileFullAndRecoversWithNothingLost) {
  Start();
  for (int b = 0; b < 20; ++b) {
    grpc::Status status = Send(Batch(++sequence_));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  Fill();
  IngestUntilRefused();
  // Reads go on, health stays SERVING and the metric says writes fail.
  ExpectAcknowledgedCounts();
  auto health = grpc::health::v1::Health::NewStub(server_->channel());
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(health->Check(Context().get(), {}, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(
      absl::StrContains(Metrics(), "\npulse_storage_writes_failing 1\n"));
  // A backup (to a disk with room) cannot flush the full one's memtables: it
  // copies the write-ahead log instead and holds every acknowledged batch.
  const int64_t acknowledged_at_backup = acknowledged_;
  const int64_t refused_at_backup =
      static_cast<int64_t>(pending_.size()) * kEngagementsPerBatch;
  v1::BackupInfo backup;
  const grpc::Status backed_up =
      v1::AdminService::NewStub(server_->channel())
          ->CreateBackup(Context().get(), {}, &backup);
  ASSERT_TRUE(backed_up.ok()) << backed_up.error_message();

  // Freed, the disk is taken again with no batch arriving to try it.
  ASSERT_TRUE(std::filesystem::remove(filler()));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return absl::StrContains(Metrics(),
                                 "\npulse_storage_writes_failing 0\n");
      },
      absl::Seconds(30)))
      << "no recovery within 30 s of freeing the disk without ingest";
  Resend();
  ExpectAcknowledgedCounts();
  EXPECT_TRUE(
      absl::StrContains(Metrics(), "\npulse_storage_writes_failing 0\n"));
  // An acknowledged batch sent again is still recognised.
  v1::IngestResponse again;
  ASSERT_TRUE(Ingest(Batch(sequence_), &again).ok());
  EXPECT_TRUE(again.duplicate_batch());
  // The error and the recovery are logged once each.
  const std::string log = ServerLog();
  EXPECT_EQ(CountOccurrences(log, "storage writes failing"), 1u) << log;
  EXPECT_EQ(CountOccurrences(log, "storage writes recovered"), 1u) << log;
  EXPECT_TRUE(absl::StrContains(log, "how=resume")) << log;

  server_->Kill9();
  Start();
  ExpectAcknowledgedCounts();

  // The backup taken while the disk was full, restored and served.
  const std::string restored = dir_.path() + "/restored";
  absl::StatusOr<storage::BackupSummary> summary = storage::RestoreBackup(
      backup_dir(), restored, static_cast<uint32_t>(backup.backup_id()));
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto restored_server = ServerProcess::Start(restored, {});
  ASSERT_TRUE(restored_server.ok()) << restored_server.status();
  v1::GlobalStats global;
  const grpc::Status read =
      (*restored_server)->stub()->GetGlobalStats(Context().get(), {}, &global);
  ASSERT_TRUE(read.ok()) << read.error_message();
  // Every acknowledged batch, whole batches only; a refused batch whose WAL
  // record was whole after all may be in it too, as after a crash.
  EXPECT_GE(global.likes(), acknowledged_at_backup);
  EXPECT_LE(global.likes(), acknowledged_at_backup + refused_at_backup);
  EXPECT_EQ(global.likes() % kEngagementsPerBatch, 0);
}

// Right after a restart RocksDB's memtables are empty, so its Resume() does
// not move to a new WAL; the store reopens the database instead.
TEST_F(DiskFullTest, RecoversWhenTheDiskFillsRightAfterARestart) {
  Start();
  for (int b = 0; b < 5; ++b) {
    grpc::Status status = Send(Batch(++sequence_));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  server_->Kill9();
  Start();

  Fill();
  IngestUntilRefused();
  ExpectAcknowledgedCounts();
  FreeAndResend();
  EXPECT_TRUE(absl::StrContains(ServerLog(), "how=reopen")) << ServerLog();
  for (int b = 0; b < 5; ++b) {
    grpc::Status status = Send(Batch(++sequence_));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ExpectAcknowledgedCounts();

  server_->Kill9();
  Start();
  ExpectAcknowledgedCounts();
  grpc::Status status = Send(Batch(++sequence_));
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectAcknowledgedCounts();
}

}  // namespace
}  // namespace pulse::testing
