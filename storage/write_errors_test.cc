#include "storage/write_errors.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace pulse::storage {
namespace {

TEST(WriteErrorStatus, DiskFullIsUnavailableAndSaysTheBatchWasNotStored) {
  const absl::Status s = WriteErrorStatus(
      rocksdb::Status::NoSpace("While appending to file: /d/000004.log"), "/d");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(s.message(), "disk full in /d")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "the batch was not stored")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "000004.log")) << s;
}

TEST(WriteErrorStatus, OtherIoErrorIsUnavailableToo) {
  const absl::Status s =
      WriteErrorStatus(rocksdb::Status::IOError("Input/output error"), "/d");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(s.message(), "I/O error in /d")) << s;
}

TEST(WriteErrorStatus, CorruptionIsDataLossPointingToBackups) {
  const absl::Status s = WriteErrorStatus(
      rocksdb::Status::Corruption("block checksum mismatch in /d/000012.sst"),
      "/d");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), "000012.sst")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "Backup and restore")) << s;
}

TEST(WriteErrors, FailingFromFailedUntilRecovered) {
  WriteErrors errors("/d");
  EXPECT_FALSE(errors.failing());
  errors.Failed(rocksdb::Status::NoSpace(), /*in_wal=*/true);
  EXPECT_TRUE(errors.failing());
  EXPECT_TRUE(errors.no_space());
  EXPECT_TRUE(errors.wal_failed());
  EXPECT_EQ(errors.status().code(), absl::StatusCode::kUnavailable);
  errors.Recovered("resume");
  EXPECT_FALSE(errors.failing());
  EXPECT_FALSE(errors.wal_failed());
}

TEST(WriteErrors, AWalFailureIsRememberedUntilRecovered) {
  WriteErrors errors("/d");
  errors.Failed(rocksdb::Status::NoSpace(), /*in_wal=*/true);
  errors.Failed(rocksdb::Status::IOError("flush"), /*in_wal=*/false);
  EXPECT_TRUE(errors.wal_failed());
  EXPECT_FALSE(errors.no_space());
}

}  // namespace
}  // namespace pulse::storage
