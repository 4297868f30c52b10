#include "server/admin_service.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/analytics_service.h"
#include "server/log.h"
#include "server/proto_time.h"
#include "storage/backup.h"
#include "storage/status_macros.h"

namespace pulse::server {
namespace {

v1::BackupInfo BackupToProto(const storage::BackupSummary& b) {
  v1::BackupInfo info;
  info.set_backup_id(b.id);
  *info.mutable_create_time() = ToProto(b.created);
  info.set_size_bytes(static_cast<int64_t>(b.size_bytes));
  info.set_file_count(static_cast<int32_t>(b.file_count));
  return info;
}

// The value of RocksDB property `name` among `properties`; 0 when absent.
int64_t Property(
    const std::vector<std::pair<std::string, uint64_t>>& properties,
    std::string_view name) {
  for (const auto& [key, value] : properties) {
    if (key == name) return static_cast<int64_t>(value);
  }
  return 0;
}

constexpr char kSstBytes[] = "rocksdb.total-sst-files-size";

}  // namespace

AdminService::AdminService(const AdminDeps& deps) : deps_(deps) {}

grpc::ServerUnaryReactor* AdminService::RunForAdmin(
    grpc::CallbackServerContext* ctx, const char* method,
    std::function<absl::Status()> work) {
  if (absl::Status s =
          deps_.auth->Authorize(*ctx, Role::kAdmin, method).status();
      !s.ok()) {
    return FinishUnary(deps_.metrics, ctx, method, absl::Now(), s);
  }
  return RunUnaryOnPool(deps_.pool, deps_.metrics, ctx, method,
                        std::move(work));
}

absl::Status AdminService::CheckBackupDir() const {
  if (deps_.backup_dir.empty()) {
    return absl::FailedPreconditionError(
        "pulse-server was started without --backup_dir");
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminService::CreateBackup(
    grpc::CallbackServerContext* ctx,
    const v1::CreateBackupRequest* /*request*/, v1::BackupInfo* response) {
  return RunForAdmin(ctx, "CreateBackup", [this, response] {
    PULSE_RETURN_IF_ERROR(CheckBackupDir());
    const absl::Time start = absl::Now();
    absl::StatusOr<storage::BackupSummary> backup = storage::CreateBackup(
        *deps_.store, deps_.backup_dir, deps_.backup_keep, &backup_stopper_);
    // In the log too: a nightly backup's caller may be a cron job's mail.
    if (!backup.ok()) {
      Log(LogLevel::kError,
          absl::StrCat("backup failed dir=", deps_.backup_dir, " error=\"",
                       backup.status().ToString(), "\""));
      return backup.status();
    }
    const absl::Duration took = absl::Now() - start;
    Log(LogLevel::kInfo, absl::StrCat("backup created id=", backup->id,
                                      " dir=", deps_.backup_dir, " duration=",
                                      absl::FormatDuration(took)));
    *response = BackupToProto(*backup);
    *response->mutable_create_duration() = ToProto(took);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::ListBackups(
    grpc::CallbackServerContext* ctx, const v1::ListBackupsRequest* /*request*/,
    v1::ListBackupsResponse* response) {
  return RunForAdmin(ctx, "ListBackups", [this, response] {
    PULSE_RETURN_IF_ERROR(CheckBackupDir());
    PULSE_ASSIGN_OR_RETURN(std::vector<storage::BackupSummary> backups,
                           storage::ListBackups(deps_.backup_dir));
    for (const storage::BackupSummary& b : backups) {
      *response->add_backups() = BackupToProto(b);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::Compact(
    grpc::CallbackServerContext* ctx, const v1::CompactRequest* /*request*/,
    v1::CompactResponse* response) {
  return RunForAdmin(ctx, "Compact", [this, response] {
    // Taken after the caller is authorized: a refused call neither
    // sees nor holds it.
    if (compacting_.exchange(true)) {
      return absl::AbortedError("a compaction is already running");
    }
    const storage::StorageFigures before = deps_.store->Storage();
    const absl::Time start = absl::Now();
    absl::Status status = deps_.store->CompactAll();
    const absl::Duration took = absl::Now() - start;
    compacting_ = false;
    PULSE_RETURN_IF_ERROR(status);
    const storage::StorageFigures after = deps_.store->Storage();
    *response->mutable_duration() = ToProto(took);
    response->set_sst_bytes_before(Property(before.properties, kSstBytes));
    response->set_sst_bytes_after(Property(after.properties, kSstBytes));
    response->set_disk_bytes_before(static_cast<int64_t>(before.disk_bytes));
    response->set_disk_bytes_after(static_cast<int64_t>(after.disk_bytes));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::GetStorageStats(
    grpc::CallbackServerContext* ctx,
    const v1::GetStorageStatsRequest* /*request*/, v1::StorageStats* response) {
  return RunForAdmin(ctx, "GetStorageStats", [this, response] {
    const storage::StorageFigures figures = deps_.store->Storage();
    for (const storage::ColumnFamilyFigures& cf : figures.column_families) {
      v1::ColumnFamilyStats* out = response->add_column_families();
      out->set_name(cf.name);
      out->set_sst_bytes(static_cast<int64_t>(cf.sst_bytes));
      out->set_memtable_bytes(static_cast<int64_t>(cf.memtable_bytes));
      out->set_estimated_keys(static_cast<int64_t>(cf.estimated_keys));
    }
    const auto& p = figures.properties;
    response->set_total_disk_bytes(static_cast<int64_t>(figures.disk_bytes));
    response->set_sst_bytes(Property(p, kSstBytes));
    response->set_memtable_bytes(
        Property(p, "rocksdb.cur-size-all-mem-tables"));
    response->set_pending_compaction_bytes(
        Property(p, "rocksdb.estimate-pending-compaction-bytes"));
    response->set_block_cache_bytes(Property(p, "rocksdb.block-cache-usage"));
    response->set_running_compactions(
        static_cast<int32_t>(Property(p, "rocksdb.num-running-compactions")));
    response->set_delayed_write_rate(
        Property(p, "rocksdb.actual-delayed-write-rate"));
    response->set_write_stopped(Property(p, "rocksdb.is-write-stopped") != 0);
    response->set_data_dir(deps_.data_dir);
    return absl::OkStatus();
  });
}

}  // namespace pulse::server
