// The operator subcommands of the `pulse` tool that talk to a running
// server's AdminService: `pulse backup create|list` and
// `pulse admin compact|storage`. Each prints a human-readable table or, with
// --json, one protobuf JSON object per line. (`pulse backup restore` works
// offline on the files and lives in pulse_main.cc, which links storage.)
#ifndef PULSE_CLIENTS_ADMIN_COMMANDS_H_
#define PULSE_CLIENTS_ADMIN_COMMANDS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "clients/client.h"
#include "clients/commands.h"
#include "pulse/v1/admin.pb.h"

namespace pulse {

// 0 → "0 B", 1536 → "1.5 KiB", 5000000 → "4.8 MiB".
std::string FormatBytes(int64_t bytes);

// One backup: "backup N created ..." with its time, size, files and (when
// set) how long it took.
std::string RenderBackupInfo(const v1::BackupInfo& backup);

// An ID/CREATED/SIZE/FILES table, or "no backups" when empty.
std::string RenderBackupList(const v1::ListBackupsResponse& list);

// How long a compaction took and the sizes before and after.
std::string RenderCompact(const v1::CompactResponse& compact);

// Totals as fields, then a table per column family.
std::string RenderStorageStats(const v1::StorageStats& stats);

// `pulse backup create`: CreateBackup.
absl::Status RunBackupCreate(Client& client, const Output& output);

// `pulse backup list`: ListBackups; JSON output is one ListBackupsResponse.
absl::Status RunBackupList(Client& client, const Output& output);

// `pulse admin compact`: Compact.
absl::Status RunAdminCompact(Client& client, const Output& output);

// `pulse admin storage`: GetStorageStats.
absl::Status RunAdminStorage(Client& client, const Output& output);

}  // namespace pulse

#endif  // PULSE_CLIENTS_ADMIN_COMMANDS_H_
