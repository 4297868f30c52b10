#include "clients/admin_commands.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clients/table.h"

namespace pulse {
namespace {

using Align = Table::Align;

// A duration to the millisecond ("1.234s", "12ms"), "-" when zero.
std::string ShortDuration(const google::protobuf::Duration& d) {
  google::protobuf::Duration ms = d;
  ms.set_nanos(d.nanos() / 1'000'000 * 1'000'000);
  if (ms.seconds() == 0 && ms.nanos() == 0 && d.nanos() > 0) return "<1ms";
  return FormatDuration(ms);
}

}  // namespace

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (std::llabs(bytes) < 1024) return absl::StrCat(bytes, " B");
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (std::fabs(value) >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

std::string RenderBackupInfo(const v1::BackupInfo& backup) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"backup id", absl::StrCat(backup.backup_id())},
      {"created", FormatTimestamp(backup.create_time())},
      {"size", absl::StrCat(FormatBytes(backup.size_bytes()), " (",
                            FormatCount(backup.size_bytes()), " bytes)")},
      {"files", FormatCount(backup.file_count())},
  };
  if (backup.has_create_duration()) {
    fields.emplace_back("took", ShortDuration(backup.create_duration()));
  }
  return RenderFields(fields);
}

std::string RenderBackupList(const v1::ListBackupsResponse& list) {
  if (list.backups_size() == 0) return "no backups\n";
  Table table({{"ID", Align::kRight},
               {"CREATED"},
               {"SIZE", Align::kRight},
               {"FILES", Align::kRight}});
  for (const v1::BackupInfo& b : list.backups()) {
    table.AddRow({absl::StrCat(b.backup_id()), FormatTimestamp(b.create_time()),
                  FormatBytes(b.size_bytes()), FormatCount(b.file_count())});
  }
  return table.Render();
}

std::string RenderCompact(const v1::CompactResponse& compact) {
  return RenderFields({
      {"took", ShortDuration(compact.duration())},
      {"sst before", FormatBytes(compact.sst_bytes_before())},
      {"sst after", FormatBytes(compact.sst_bytes_after())},
      {"disk before", FormatBytes(compact.disk_bytes_before())},
      {"disk after", FormatBytes(compact.disk_bytes_after())},
  });
}

std::string RenderStorageStats(const v1::StorageStats& stats) {
  std::string out = RenderFields({
      {"data dir", stats.data_dir().empty() ? "-" : stats.data_dir()},
      {"on disk", FormatBytes(stats.total_disk_bytes())},
      {"sst files", FormatBytes(stats.sst_bytes())},
      {"memtables", FormatBytes(stats.memtable_bytes())},
      {"block cache", FormatBytes(stats.block_cache_bytes())},
      {"pending compaction", FormatBytes(stats.pending_compaction_bytes())},
      {"running compactions", FormatCount(stats.running_compactions())},
      {"delayed write rate",
       stats.delayed_write_rate() == 0
           ? "-"
           : absl::StrCat(FormatBytes(stats.delayed_write_rate()), "/s")},
      {"writes stopped", stats.write_stopped() ? "yes" : "no"},
  });
  Table table({{"COLUMN FAMILY"},
               {"SST", Align::kRight},
               {"MEMTABLE", Align::kRight},
               {"KEYS (EST.)", Align::kRight}});
  for (const v1::ColumnFamilyStats& cf : stats.column_families()) {
    table.AddRow({cf.name(), FormatBytes(cf.sst_bytes()),
                  FormatBytes(cf.memtable_bytes()),
                  FormatCount(cf.estimated_keys())});
  }
  return absl::StrCat(out, "\n", table.Render());
}

absl::Status RunBackupCreate(Client& client, const Output& output) {
  absl::StatusOr<v1::BackupInfo> backup =
      client.CreateBackup(v1::CreateBackupRequest());
  if (!backup.ok()) return backup.status();
  return Emit(*backup, RenderBackupInfo(*backup), output);
}

absl::Status RunBackupList(Client& client, const Output& output) {
  absl::StatusOr<v1::ListBackupsResponse> list =
      client.ListBackups(v1::ListBackupsRequest());
  if (!list.ok()) return list.status();
  return Emit(*list, RenderBackupList(*list), output);
}

absl::Status RunAdminCompact(Client& client, const Output& output) {
  absl::StatusOr<v1::CompactResponse> compact =
      client.Compact(v1::CompactRequest());
  if (!compact.ok()) return compact.status();
  return Emit(*compact, RenderCompact(*compact), output);
}

absl::Status RunAdminStorage(Client& client, const Output& output) {
  absl::StatusOr<v1::StorageStats> stats =
      client.GetStorageStats(v1::GetStorageStatsRequest());
  if (!stats.ok()) return stats.status();
  return Emit(*stats, RenderStorageStats(*stats), output);
}

}  // namespace pulse
