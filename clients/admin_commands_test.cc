#include "clients/admin_commands.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace pulse {
namespace {

TEST(FormatBytes, UsesBinaryUnitsWithOneDecimal) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(5'000'000), "4.8 MiB");
  EXPECT_EQ(FormatBytes(int64_t{3} << 40), "3.0 TiB");
}

TEST(RenderBackupList, ListsOneRowPerBackup) {
  v1::ListBackupsResponse list;
  v1::BackupInfo* b = list.add_backups();
  b->set_backup_id(7);
  b->mutable_create_time()->set_seconds(1'700'000'000);
  b->set_size_bytes(2048);
  b->set_file_count(12);
  EXPECT_EQ(RenderBackupList(list),
            "ID  CREATED                  SIZE  FILES\n"
            " 7  2023-11-14T22:13:20Z  2.0 KiB     12\n");
}

TEST(RenderBackupList, SaysSoWhenThereAreNone) {
  EXPECT_EQ(RenderBackupList(v1::ListBackupsResponse()), "no backups\n");
}

TEST(RenderBackupInfo, ShowsHowLongItTookOnlyWhenSet) {
  v1::BackupInfo b;
  b.set_backup_id(1);
  EXPECT_FALSE(absl::StrContains(RenderBackupInfo(b), "took"));
  b.mutable_create_duration()->set_nanos(250'000'000);
  EXPECT_TRUE(absl::StrContains(RenderBackupInfo(b), "took       250ms"))
      << RenderBackupInfo(b);
}

TEST(RenderStorageStats, HasTotalsAndAColumnFamilyTable) {
  v1::StorageStats stats;
  stats.set_total_disk_bytes(4096);
  v1::ColumnFamilyStats* cf = stats.add_column_families();
  cf->set_name("counters");
  cf->set_sst_bytes(1024);
  cf->set_estimated_keys(1234);
  const std::string out = RenderStorageStats(stats);
  EXPECT_TRUE(absl::StrContains(out, "on disk              4.0 KiB\n")) << out;
  EXPECT_TRUE(absl::StrContains(out, "counters")) << out;
  EXPECT_TRUE(absl::StrContains(out, "1,234")) << out;
}

}  // namespace
}  // namespace pulse
