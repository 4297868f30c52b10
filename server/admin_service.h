// pulse_server: the gRPC AdminService: backups, compaction and storage
// figures of the server's database, for operators.
//
// Like AnalyticsService, it runs anything that may block (backups,
// compaction, listing the data dir) on the worker pool, never on gRPC's
// callback threads, and goes through storage::Store and storage/backup.h.
#ifndef PULSE_SERVER_ADMIN_SERVICE_H_
#define PULSE_SERVER_ADMIN_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "pulse/v1/admin.grpc.pb.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/worker_pool.h"
#include "storage/backup.h"
#include "storage/store.h"

namespace pulse::server {

// What the admin service needs; nothing here is owned and all outlive it.
struct AdminDeps {
  storage::Store* store = nullptr;
  WorkerPool* pool = nullptr;
  ServerMetrics* metrics = nullptr;
  // Every AdminService call needs an admin token (when auth is on).
  const Authenticator* auth = nullptr;
  // Where CreateBackup writes; empty: backups are refused.
  std::string backup_dir;
  // After each backup, keep only this many (0: keep all).
  uint32_t backup_keep = 0;
  // The data dir, reported by GetStorageStats.
  std::string data_dir;
};

// The gRPC service. Its callbacks run on gRPC's threads and never block.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  explicit AdminService(const AdminDeps& deps);

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* ctx,
                                         const v1::CreateBackupRequest* request,
                                         v1::BackupInfo* response) override;
  grpc::ServerUnaryReactor* ListBackups(
      grpc::CallbackServerContext* ctx, const v1::ListBackupsRequest* request,
      v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* ctx,
                                    const v1::CompactRequest* request,
                                    v1::CompactResponse* response) override;
  grpc::ServerUnaryReactor* GetStorageStats(
      grpc::CallbackServerContext* ctx,
      const v1::GetStorageStatsRequest* request,
      v1::StorageStats* response) override;

  // Stops a running CreateBackup and refuses later ones (CANCELLED), so
  // that shutdown need not wait for a backup to copy every file.
  void StopBackups() { backup_stopper_.Stop(); }

 private:
  // Runs `work` on the pool for an admin caller; see RunUnaryOnPool.
  grpc::ServerUnaryReactor* RunForAdmin(grpc::CallbackServerContext* ctx,
                                        const char* method,
                                        std::function<absl::Status()> work);
  // FAILED_PRECONDITION when the server has no --backup_dir.
  absl::Status CheckBackupDir() const;

  const AdminDeps deps_;
  // One Compact at a time: a second would only wait for the first while
  // holding a worker.
  std::atomic<bool> compacting_{false};
  storage::BackupStopper backup_stopper_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_ADMIN_SERVICE_H_
