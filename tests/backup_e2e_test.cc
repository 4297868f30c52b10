// Backups, restore and the admin RPCs end to end: real pulse-server
// processes, the client library and the real `pulse` binary as a subprocess.
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::testing {
namespace {

using PulseRun = ProcessRun;

// Runs PULSE_BIN with `args` to completion (at most 60 s).
PulseRun RunPulse(const std::vector<std::string>& args,
                  const std::string& scratch_dir) {
  static int runs = 0;
  const std::string base = absl::StrCat(scratch_dir, "/pulse-run-", ++runs);
  std::vector<std::string> argv = {PULSE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return WaitProcess(StartProcess(argv, base + ".out", base + ".err"),
                     base + ".out", base + ".err", absl::Seconds(60));
}

// The counts a test compares: p1's and the global ones.
struct Counts {
  std::array<int64_t, 6> p1{};
  std::array<int64_t, 7> global{};
  bool operator==(const Counts& o) const {
    return p1 == o.p1 && global == o.global;
  }
};

std::ostream& operator<<(std::ostream& os, const Counts& c) {
  os << "p1{";
  for (int64_t v : c.p1) os << v << " ";
  os << "} global{";
  for (int64_t v : c.global) os << v << " ";
  return os << "}";
}

class BackupE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    // At info, which logs each backup.
    server_ = Start(dir_.path() + "/data",
                    {"--backup_dir=" + BackupDir(), "--log_level=info"});
  }

  std::string BackupDir() const { return dir_.path() + "/backups"; }

  static std::unique_ptr<ServerProcess> Start(
      const std::string& data_dir, const std::vector<std::string>& flags) {
    auto server = ServerProcess::Start(data_dir, flags);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  static std::unique_ptr<Client> ClientOf(const ServerProcess& server) {
    return std::make_unique<Client>(server.channel(), ClientOptions{});
  }

  static void Ingest(Client& client, const v1::IngestRequest& request) {
    absl::StatusOr<v1::IngestResponse> r = client.Ingest(request);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->rejected(), 0);
  }

  // `n` likes and one share of p1 with event ids prefix-0.. .
  static v1::IngestRequest More(const std::string& prefix, int n) {
    v1::IngestRequest r;
    for (int i = 0; i < n; ++i) {
      *r.add_engagements() = MakeEngagement(absl::StrCat(prefix, "-", i), "p1",
                                            v1::LIKE, 1, prefix + "-user");
    }
    *r.add_engagements() =
        MakeEngagement(prefix + "-share", "p1", v1::SHARE, 1);
    return r;
  }

  static Counts Read(Client& client) {
    Counts c;
    v1::GetPostStatsRequest post;
    post.set_post_id("p1");
    absl::StatusOr<v1::PostStats> p = client.GetPostStats(post);
    EXPECT_TRUE(p.ok()) << p.status();
    if (p.ok()) {
      c.p1 = {p->impressions(), p->likes(),  p->shares(),
              p->comments(),    p->clicks(), p->unique_users()};
    }
    absl::StatusOr<v1::GlobalStats> g =
        client.GetGlobalStats(v1::GetGlobalStatsRequest());
    EXPECT_TRUE(g.ok()) << g.status();
    if (g.ok()) {
      c.global = {g->impressions(), g->likes(), g->shares(),   g->comments(),
                  g->clicks(),      g->posts(), g->followers()};
    }
    return c;
  }

  PulseRun Pulse(const std::vector<std::string>& args) {
    return RunPulse(args, dir_.path());
  }

  // Restores with the `pulse` binary into `data_dir` and serves it.
  std::unique_ptr<ServerProcess> RestoreAndStart(const std::string& data_dir,
                                                 const std::string& id_flag) {
    std::vector<std::string> args = {"backup", "restore",
                                     "--backup_dir=" + BackupDir(),
                                     "--data_dir=" + data_dir};
    if (!id_flag.empty()) args.push_back(id_flag);
    const PulseRun run = Pulse(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(absl::StrContains(run.out, "restored backup")) << run.out;
    return Start(data_dir, {});
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BackupE2e, RestoredServersServeExactlyTheBackedUpCounts) {
  ASSERT_NE(server_, nullptr);
  std::unique_ptr<Client> client = ClientOf(*server_);
  Ingest(*client, SampleBatch());
  const Counts at_first = Read(*client);

  absl::StatusOr<v1::BackupInfo> first =
      client->CreateBackup(v1::CreateBackupRequest());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->backup_id(), 1);
  EXPECT_GT(first->size_bytes(), 0);
  EXPECT_GT(first->file_count(), 0);
  EXPECT_TRUE(first->has_create_time());
  // The server logs each backup, for whoever did not see the answer.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return absl::StrContains(server_->Log(), "backup created id=1 dir=");
      },
      absl::Seconds(10)))
      << server_->Log();

  Ingest(*client, More("later", 5));
  const Counts at_second = Read(*client);
  ASSERT_FALSE(at_second == at_first);
  const PulseRun create =
      Pulse({"--server=" + server_->address(), "backup", "create"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_TRUE(absl::StrContains(create.out, "backup id")) << create.out;

  Ingest(*client, More("latest", 7));
  ASSERT_FALSE(Read(*client) == at_second);

  std::unique_ptr<ServerProcess> restored_first =
      RestoreAndStart(dir_.path() + "/restored1", "--backup_id=1");
  ASSERT_NE(restored_first, nullptr);
  EXPECT_EQ(Read(*ClientOf(*restored_first)), at_first);

  std::unique_ptr<ServerProcess> restored_latest =
      RestoreAndStart(dir_.path() + "/restored2", "");
  ASSERT_NE(restored_latest, nullptr);
  std::unique_ptr<Client> latest = ClientOf(*restored_latest);
  EXPECT_EQ(Read(*latest), at_second);

  // Event ids were restored too: a re-sent batch counts once.
  absl::StatusOr<v1::IngestResponse> again = latest->Ingest(More("later", 5));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->duplicates(), 6);
  EXPECT_EQ(Read(*latest), at_second);
}

TEST_F(BackupE2e, ListShowsEveryBackupOldestFirst) {
  ASSERT_NE(server_, nullptr);
  std::unique_ptr<Client> client = ClientOf(*server_);
  absl::StatusOr<v1::ListBackupsResponse> none =
      client->ListBackups(v1::ListBackupsRequest());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->backups_size(), 0);

  Ingest(*client, SampleBatch());
  ASSERT_TRUE(client->CreateBackup(v1::CreateBackupRequest()).ok());
  ASSERT_TRUE(client->CreateBackup(v1::CreateBackupRequest()).ok());
  absl::StatusOr<v1::ListBackupsResponse> list =
      client->ListBackups(v1::ListBackupsRequest());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->backups_size(), 2);
  EXPECT_EQ(list->backups(0).backup_id(), 1);
  EXPECT_EQ(list->backups(1).backup_id(), 2);
  // A backup is routine: RocksDB's notes on turning file deletions off and
  // on around it are not warnings (the server logs at --log_level=warn).
  EXPECT_FALSE(absl::StrContains(server_->Log(), "File Deletions"))
      << server_->Log();

  const PulseRun table =
      Pulse({"--server=" + server_->address(), "backup", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(absl::StartsWith(table.out, "ID")) << table.out;
  const PulseRun json =
      Pulse({"--server=" + server_->address(), "--json", "backup", "list"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  v1::ListBackupsResponse parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.out, &parsed).ok())
      << json.out;
  EXPECT_EQ(parsed.backups_size(), 2);
}

TEST_F(BackupE2e, BackupKeepDeletesOlderBackups) {
  std::unique_ptr<ServerProcess> server =
      Start(dir_.path() + "/kept",
            {"--backup_dir=" + dir_.path() + "/kb", "--backup_keep=1"});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Client> client = ClientOf(*server);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client->CreateBackup(v1::CreateBackupRequest()).ok());
  }
  absl::StatusOr<v1::ListBackupsResponse> list =
      client->ListBackups(v1::ListBackupsRequest());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->backups_size(), 1);
  EXPECT_EQ(list->backups(0).backup_id(), 3);
}

TEST_F(BackupE2e, BackupsWithoutBackupDirAreFailedPrecondition) {
  std::unique_ptr<ServerProcess> server = Start(dir_.path() + "/plain", {});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Client> client = ClientOf(*server);
  absl::StatusOr<v1::BackupInfo> backup =
      client->CreateBackup(v1::CreateBackupRequest());
  EXPECT_EQ(backup.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(backup.status().message(),
            "pulse-server was started without --backup_dir");
  absl::StatusOr<v1::ListBackupsResponse> list =
      client->ListBackups(v1::ListBackupsRequest());
  EXPECT_EQ(list.status().code(), absl::StatusCode::kFailedPrecondition);

  const PulseRun run =
      Pulse({"--server=" + server->address(), "backup", "create"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "FAILED_PRECONDITION")) << run.err;
  EXPECT_TRUE(absl::StrContains(run.err, "--backup_dir")) << run.err;
}

// A backup dir inside the data dir (or holding it) is refused by start-up,
// relative paths included, before the directories exist as after: the check
// once passed the first start and failed every restart.
TEST(BackupDirCheck, ABackupDirInsideTheDataDirIsRefusedOnTheFirstStartToo) {
  TempDir dir;
  const std::string out = dir.path() + "/out";
  const std::string err = dir.path() + "/err";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--data_dir=pulse-data", "--backup_dir=pulse-data/backups"},
      {"--data_dir=backups/data", "--backup_dir=backups"}};
  for (const auto& [data_dir, backup_dir] : cases) {
    SCOPED_TRACE(backup_dir);
    const ProcessRun run = WaitProcess(
        StartProcess(
            {ServerBinary(), "--listen=127.0.0.1:0", data_dir, backup_dir}, out,
            err, dir.path()),
        out, err, absl::Seconds(30));
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, "--backup_dir: must not"))
        << run.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/pulse-data"));
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/backups"));
  }
}

TEST_F(BackupE2e, RestoreIntoADirThatIsNotEmptyFailsAndTouchesNothing) {
  ASSERT_NE(server_, nullptr);
  ASSERT_TRUE(ClientOf(*server_)->CreateBackup(v1::CreateBackupRequest()).ok());
  const std::string target = dir_.path() + "/occupied";
  std::filesystem::create_directories(target);
  std::ofstream(target + "/notes.txt") << "keep me";
  const PulseRun run =
      Pulse({"backup", "restore", "--backup_dir=" + BackupDir(),
             "--data_dir=" + target});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "FAILED_PRECONDITION")) << run.err;
  EXPECT_TRUE(absl::StrContains(run.err, target + " is not empty")) << run.err;
  EXPECT_EQ(ReadFile(target + "/notes.txt"), "keep me");
}

TEST_F(BackupE2e, RestoreWithoutItsFlagsIsAUsageError) {
  EXPECT_EQ(Pulse({"backup", "restore", "--data_dir=" + dir_.path() + "/x"})
                .exit_code,
            2);
  EXPECT_EQ(
      Pulse({"backup", "restore", "--backup_dir=" + BackupDir()}).exit_code, 2);
  EXPECT_EQ(Pulse({"--server=127.0.0.1:1", "backup", "frobnicate"}).exit_code,
            2);
  EXPECT_EQ(Pulse({"--server=127.0.0.1:1", "admin"}).exit_code, 2);
}

TEST_F(BackupE2e, RestoreOfAnUnknownBackupIdFails) {
  ASSERT_NE(server_, nullptr);
  ASSERT_TRUE(ClientOf(*server_)->CreateBackup(v1::CreateBackupRequest()).ok());
  const PulseRun run =
      Pulse({"backup", "restore", "--backup_dir=" + BackupDir(),
             "--data_dir=" + dir_.path() + "/new", "--backup_id=42"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "NOT_FOUND")) << run.err;
}

TEST_F(BackupE2e, StorageStatsAndCompactReportSaneFigures) {
  ASSERT_NE(server_, nullptr);
  std::unique_ptr<Client> client = ClientOf(*server_);
  Ingest(*client, SampleBatch());

  absl::StatusOr<v1::StorageStats> stats =
      client->GetStorageStats(v1::GetStorageStatsRequest());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->total_disk_bytes(), 0);
  EXPECT_GT(stats->memtable_bytes(), 0);
  EXPECT_EQ(stats->data_dir(), dir_.path() + "/data");
  std::vector<std::string> names;
  for (const v1::ColumnFamilyStats& cf : stats->column_families()) {
    names.push_back(cf.name());
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"default", "counters", "activity",
                                      "metadata", "idempotency", "sketches"}));

  absl::StatusOr<v1::CompactResponse> compact =
      client->Compact(v1::CompactRequest());
  ASSERT_TRUE(compact.ok()) << compact.status();
  EXPECT_GT(compact->sst_bytes_after(), 0);
  EXPECT_GT(compact->disk_bytes_after(), 0);
  EXPECT_TRUE(compact->has_duration());

  absl::StatusOr<v1::StorageStats> after =
      client->GetStorageStats(v1::GetStorageStatsRequest());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->sst_bytes(), compact->sst_bytes_after());
  int64_t counter_keys = 0;
  for (const v1::ColumnFamilyStats& cf : after->column_families()) {
    if (cf.name() == "counters") counter_keys = cf.estimated_keys();
  }
  EXPECT_GT(counter_keys, 0);
  // Compaction changed no count.
  EXPECT_EQ(Read(*client).global[1], 6);
}

TEST_F(BackupE2e, PulseAdminCommandsPrintTablesAndJson) {
  ASSERT_NE(server_, nullptr);
  Ingest(*ClientOf(*server_), SampleBatch());
  const std::string server = "--server=" + server_->address();

  const PulseRun compact = Pulse({server, "admin", "compact"});
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
  EXPECT_TRUE(absl::StrContains(compact.out, "sst after")) << compact.out;

  const PulseRun storage = Pulse({server, "admin", "storage"});
  ASSERT_EQ(storage.exit_code, 0) << storage.err;
  EXPECT_TRUE(absl::StrContains(storage.out, "COLUMN FAMILY")) << storage.out;
  EXPECT_TRUE(absl::StrContains(storage.out, "counters")) << storage.out;

  const PulseRun json = Pulse({server, "--json", "admin", "storage"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  v1::StorageStats parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.out, &parsed).ok())
      << json.out;
  EXPECT_GT(parsed.total_disk_bytes(), 0);
  EXPECT_EQ(parsed.column_families_size(), 6);
}

}  // namespace
}  // namespace pulse::testing
