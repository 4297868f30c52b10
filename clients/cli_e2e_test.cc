// The real `pulse` binary against a real pulse-server process: what the
// CLI prints must be what the RPCs answer, and its exit statuses hold.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_certs.h"
#include "tests/test_data.h"

namespace pulse::testing {
namespace {

// How long any one `pulse` run may take.
constexpr absl::Duration kTimeout = absl::Seconds(30);

// An address where nothing listens.
constexpr char kNoServer[] = "--server=127.0.0.1:1";

// One `pulse` child process: stdout through a pipe, stderr to a file.
class PulseProcess {
 public:
  // Starts PULSE_BIN with `args`; its stderr goes to `stderr_path`.
  PulseProcess(const std::vector<std::string>& args, std::string stderr_path)
      : stderr_path_(std::move(stderr_path)) {
    std::vector<std::string> argv_strings = {PULSE_BIN};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      const int err =
          open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out[1], STDOUT_FILENO);
      if (err >= 0) dup2(err, STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    out_fd_ = out[0];
  }

  // Kills the process if it still runs.
  ~PulseProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
  }

  pid_t pid() const { return pid_; }

  // The next stdout line without its '\n'; nullopt at EOF or `deadline`.
  std::optional<std::string> ReadLine(absl::Time deadline) {
    for (;;) {
      size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      if (!ReadSome(deadline)) return std::nullopt;
    }
  }

  // Reads stdout to its end and reaps the process; its exit code, or -1
  // when it was killed by a signal or still ran at `deadline` (then killed).
  int Wait(absl::Time deadline) {
    while (ReadSome(deadline)) {
    }
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (absl::Now() > deadline) return -1;  // the destructor kills it
      absl::SleepFor(absl::Milliseconds(5));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // What stdout held beyond the lines read.
  const std::string& rest() const { return buffer_; }

  // Everything written to stderr so far.
  std::string err() const {
    std::ifstream in(stderr_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  // Appends what stdout has to buffer_; false at EOF or `deadline`.
  bool ReadSome(absl::Time deadline) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || out_fd_ < 0) return false;
    pollfd fd = {out_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <=
        0) {
      return false;
    }
    char chunk[4096];
    const ssize_t n = read(out_fd_, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  std::string stderr_path_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

// The outcome of a `pulse` run.
struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `json` parsed into a new T; fails the test when it does not parse.
template <typename T>
T Parse(const std::string& json) {
  T message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return message;
}

class CliTest : public ::testing::Test {
 protected:
  // Runs `pulse` with `args` to its end, within kTimeout.
  Outcome Pulse(const std::vector<std::string>& args) {
    PulseProcess process(args, NextStderrPath());
    Outcome run;
    run.exit_code = process.Wait(absl::Now() + kTimeout);
    run.out = process.rest();
    run.err = process.err();
    return run;
  }

  // Starts `pulse` with `args` without waiting for it.
  std::unique_ptr<PulseProcess> Spawn(const std::vector<std::string>& args) {
    return std::make_unique<PulseProcess>(args, NextStderrPath());
  }

  void StartServer(
      const std::vector<std::string>& flags = {},
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) {
    auto server = ServerProcess::Start(dir_.path() + "/data", flags,
                                       std::move(credentials));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->stub();
  }

  std::string ServerFlag() const {
    return absl::StrCat("--server=", server_->address());
  }

  void IngestSample() {
    Outcome run = Pulse({ServerFlag(), "ingest", PULSE_SAMPLE_JSONL});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;

 private:
  std::string NextStderrPath() {
    return absl::StrCat(dir_.path(), "/stderr-", ++runs_);
  }
  int runs_ = 0;
};

TEST_F(CliTest, StatsAfterIngestEqualsGetPostStats) {
  StartServer();
  IngestSample();
  Outcome run = Pulse({ServerFlag(), "--json", "stats", "p1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  v1::PostStats printed = Parse<v1::PostStats>(run.out);

  v1::GetPostStatsRequest request;
  request.set_post_id("p1");
  v1::PostStats answered;
  ASSERT_TRUE(stub_->GetPostStats(Context().get(), request, &answered).ok());
  EXPECT_GT(answered.likes(), 0);
  printed.clear_updated_at();
  answered.clear_updated_at();
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(printed, answered))
      << printed.DebugString() << " vs " << answered.DebugString();
}

// One unknown post is NOT_FOUND; among several it is a row of zeros, which
// a warning on stderr names.
TEST_F(CliTest, StatsOfSeveralPostsWarnsOfTheUnknownOnes) {
  StartServer();
  IngestSample();
  Outcome several = Pulse({ServerFlag(), "stats", "p1", "nope", "gone"});
  EXPECT_EQ(several.exit_code, 0) << several.err;
  EXPECT_TRUE(absl::StrContains(several.out, "(unknown)")) << several.out;
  EXPECT_EQ(several.err, "pulse: warning: unknown posts: nope, gone\n");

  Outcome known = Pulse({ServerFlag(), "stats", "p1", "p2"});
  EXPECT_EQ(known.exit_code, 0) << known.err;
  EXPECT_EQ(known.err, "");

  Outcome one = Pulse({ServerFlag(), "stats", "nope"});
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(one.err, "pulse: NOT_FOUND: ")) << one.err;
}

// Rejected items do not fail an ingest (README): exit status 0, and the
// summary counts and lists them.
TEST_F(CliTest, AnIngestWithRejectedItemsExitsWithZeroAndListsThem) {
  StartServer();
  const std::string path =
      WriteFile("rejected.jsonl",
                "{\"eventId\":\"e1\",\"postId\":\"p1\",\"kind\":\"LIKE\"}\n"
                "{\"engagement\":{\"eventId\":\"e2\",\"postId\":\"p1\"}}\n");
  Outcome run = Pulse({ServerFlag(), "ingest", path});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(absl::StrContains(run.out, "rejected                  1\n"))
      << run.out;
  EXPECT_TRUE(absl::StrContains(run.out, "first rejected items:\n")) << run.out;
  EXPECT_TRUE(absl::StrContains(run.out, "duplicate events          0\n"))
      << run.out;
}

TEST_F(CliTest, TopListsThePostsInTheOrderOfTopPosts) {
  StartServer();
  IngestSample();
  Outcome run = Pulse({ServerFlag(), "--json", "top"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  v1::TopPostsResponse printed = Parse<v1::TopPostsResponse>(run.out);

  v1::TopPostsRequest request;
  request.mutable_window()->set_seconds(3600);
  request.set_limit(10);
  v1::TopPostsResponse answered;
  ASSERT_TRUE(stub_->TopPosts(Context().get(), request, &answered).ok());
  ASSERT_GT(answered.posts_size(), 1);
  ASSERT_EQ(printed.posts_size(), answered.posts_size());
  for (int i = 0; i < answered.posts_size(); ++i) {
    EXPECT_EQ(printed.posts(i).post_id(), answered.posts(i).post_id()) << i;
    EXPECT_EQ(printed.posts(i).value(), answered.posts(i).value()) << i;
  }
}

TEST_F(CliTest, WatchPrintsTheSnapshotThenAnUpdateWithTheNewGlobalLikes) {
  StartServer();
  std::unique_ptr<PulseProcess> watch =
      Spawn({ServerFlag(), "--json", "watch", "--global", "--count=2",
             "--min_interval=50ms"});
  const absl::Time deadline = absl::Now() + kTimeout;
  std::optional<std::string> first = watch->ReadLine(deadline);
  ASSERT_TRUE(first.has_value()) << watch->err();
  v1::Update snapshot = Parse<v1::Update>(*first);
  EXPECT_TRUE(snapshot.snapshot());
  EXPECT_EQ(snapshot.seq(), 1u);
  ASSERT_TRUE(snapshot.has_global());
  EXPECT_EQ(snapshot.global().likes(), 0);

  v1::IngestRequest likes;
  for (int i = 0; i < 5; ++i) {
    *likes.add_engagements() =
        MakeEngagement(absl::StrCat("like-", i), "p1", v1::LIKE, 1);
  }
  v1::IngestResponse ingested;
  ASSERT_TRUE(stub_->Ingest(Context().get(), likes, &ingested).ok());

  std::optional<std::string> second = watch->ReadLine(deadline);
  ASSERT_TRUE(second.has_value()) << watch->err();
  v1::Update update = Parse<v1::Update>(*second);
  EXPECT_FALSE(update.snapshot());
  EXPECT_EQ(update.seq(), 2u);
  EXPECT_EQ(update.global().likes(), 5);
  EXPECT_EQ(watch->Wait(deadline), 0) << watch->err();
  EXPECT_EQ(watch->rest(), "");
}

TEST_F(CliTest, WatchTakesRepeatedAndCommaSeparatedLists) {
  StartServer();
  Outcome run = Pulse({ServerFlag(), "--json", "watch", "--post=p1",
                       "--post=p2,p3", "--count=1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  v1::Update snapshot = Parse<v1::Update>(run.out);
  ASSERT_EQ(snapshot.posts_size(), 3);
  EXPECT_EQ(snapshot.posts(2).post_id(), "p3");
}

TEST_F(CliTest, WatchEndsWithStatusZeroOnSigint) {
  StartServer();
  std::unique_ptr<PulseProcess> watch =
      Spawn({ServerFlag(), "--json", "watch", "--global"});
  const absl::Time deadline = absl::Now() + kTimeout;
  ASSERT_TRUE(watch->ReadLine(deadline).has_value()) << watch->err();
  kill(watch->pid(), SIGINT);
  EXPECT_EQ(watch->Wait(deadline), 0) << watch->err();
}

TEST_F(CliTest, WatchEndsWithStatusZeroAfterItsDuration) {
  StartServer();
  Outcome run =
      Pulse({ServerFlag(), "--json", "watch", "--global", "--duration=500ms"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(absl::StrContains(run.out, R"("snapshot":true)")) << run.out;
}

TEST_F(CliTest, AUsageErrorExitsWithTwo) {
  Outcome run = Pulse({kNoServer, "watch"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(
      absl::StrContains(run.err, "pulse: INVALID_ARGUMENT: nothing to watch"))
      << run.err;
}

// Abseil's flag parser exits with 1 by itself; pulse keeps its statuses.
TEST_F(CliTest, AFlagThatDoesNotParseExitsWithTwoAndHelpWithZero) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {kNoServer, "--bogus", "global"},
           {kNoServer, "watch", "--global", "--min_interval=5"}}) {
    Outcome run = Pulse(args);
    EXPECT_EQ(run.exit_code, 2) << args[1] << ": " << run.err;
    EXPECT_FALSE(run.err.empty());
  }
  Outcome help = Pulse({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_TRUE(absl::StrContains(help.out + help.err, "Exit status: 0"))
      << help.out;
}

TEST_F(CliTest, ABoardFlagWithoutItsBoardIsAUsageError) {
  Outcome run = Pulse({kNoServer, "watch", "--global", "--top_metric=likes"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(run.err, "--top_metric needs --top"))
      << run.err;
}

// A flag the command does not read is refused, not silently ignored (a
// `pulse stats p1 --window=5m` would otherwise answer as if asked for
// something it was not).
TEST_F(CliTest, AFlagTheCommandDoesNotReadIsAUsageError) {
  for (const auto& [args, want] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{kNoServer, "stats", "p1", "--window=5m"},
            "--window does not apply to 'pulse stats'"},
           {{kNoServer, "global", "--nostream"},
            "--stream does not apply to 'pulse global'"},
           {{kNoServer, "trending", "--account=a1"},
            "--account does not apply to 'pulse trending'"},
           {{kNoServer, "backup", "list", "--data_dir=/tmp/x"},
            "--data_dir does not apply to 'pulse backup'"},
           {{"backup", "restore", "--limit=3"},
            "--limit does not apply to 'pulse backup restore'"}}) {
    Outcome run = Pulse(args);
    EXPECT_EQ(run.exit_code, 2) << args[1] << ": " << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, want)) << run.err;
  }
}

TEST_F(CliTest, AnUnreachableServerExitsWithOneAndUnavailable) {
  Outcome run = Pulse({kNoServer, "--timeout=5s", "global"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "pulse: UNAVAILABLE: ")) << run.err;
}

TEST_F(CliTest, WatchOnAnUnreachableServerExitsWithOneAndUnavailable) {
  Outcome run = Pulse({kNoServer, "--json", "watch", "--global"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "pulse: UNAVAILABLE: ")) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(CliTest, ABadJsonLineIsReportedByItsNumberAfterTheLinesBeforeIt) {
  StartServer();
  const std::string path =
      WriteFile("bad.jsonl",
                "{\"eventId\":\"e1\",\"postId\":\"p1\",\"kind\":\"LIKE\"}\n"
                "{\"eventId\":\"e2\",\"postId\":\"p1\",\"kind\":\"LIKE\"}\n"
                "{\"eventId\":\"e3\",\"postId\":\"p1\",\"kind\":\"LIKE\"\n"
                "{\"eventId\":\"e4\",\"postId\":\"p1\",\"kind\":\"LIKE\"}\n");
  Outcome run = Pulse({ServerFlag(), "ingest", "--batch_size=1", path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "pulse: INVALID_ARGUMENT: line 3: "))
      << run.err;
  EXPECT_TRUE(absl::StrContains(run.err, "holding lines 1-2")) << run.err;

  v1::GetPostStatsRequest request;
  request.set_post_id("p1");
  v1::PostStats stats;
  ASSERT_TRUE(stub_->GetPostStats(Context().get(), request, &stats).ok());
  EXPECT_EQ(stats.likes(), 2);
}

// A later batch the server refuses whole (every item invalid): the batches
// before it stay stored, and the messages name the lines of each, and the
// line of the item the server named, streamed or not.
TEST_F(CliTest, ARefusedLaterBatchIsNamedByItsLines) {
  StartServer();
  std::string lines;
  for (int i = 1; i <= 4; ++i) {
    absl::StrAppend(&lines, R"({"eventId":"ok)", i,
                    R"(","postId":"p1","kind":"LIKE"})", "\n");
  }
  for (int i = 5; i <= 8; ++i) {
    absl::StrAppend(&lines, R"({"postId":"p1","kind":"LIKE"})", "\n");
  }
  const std::string path = WriteFile("later.jsonl", lines);
  for (const char* mode : {"--stream", "--nostream"}) {
    Outcome run = Pulse({ServerFlag(), "ingest", "--batch_size=4", mode, path});
    EXPECT_EQ(run.exit_code, 1) << mode;
    EXPECT_TRUE(absl::StrContains(
        run.err,
        "the server refused batch[1] (lines 5-8); the 1 batch before it was "
        "stored (lines 1-4), nothing from it on"))
        << mode << ": " << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, "pulse: INVALID_ARGUMENT: line 5: "))
        << mode << ": " << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, "--producer_id=ID")) << run.err;
  }
  v1::GetPostStatsRequest request;
  request.set_post_id("p1");
  v1::PostStats stats;
  ASSERT_TRUE(stub_->GetPostStats(Context().get(), request, &stats).ok());
  EXPECT_EQ(stats.likes(), 4);  // the first batch's, once (its event ids)
}

TEST_F(CliTest, SpeaksTlsAndSendsTheTokenFromAFileOrPulseToken) {
  auto certs = MakeTestCerts(dir_.path());
  ASSERT_TRUE(certs.ok()) << certs.status();
  const std::string token = "cli-token-0123456789abcdef";
  const std::string tokens = WriteFile("tokens", token + " admin\n");
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = certs->ca_pem;
  StartServer({"--tls_cert=" + certs->server_cert,
               "--tls_key=" + certs->server_key, "--auth_tokens=" + tokens},
              grpc::SslCredentials(ssl));
  const std::string tls = "--tls_ca=" + certs->ca_cert;

  Outcome anonymous = Pulse({ServerFlag(), tls, "global"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(anonymous.err, "pulse: UNAUTHENTICATED"))
      << anonymous.err;

  const std::string token_file = WriteFile("my-token", token + "\n");
  Outcome ingest = Pulse({ServerFlag(), tls, "--token_file=" + token_file,
                          "ingest", PULSE_SAMPLE_JSONL});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;

  setenv("PULSE_TOKEN", token.c_str(), 1);
  Outcome global = Pulse({ServerFlag(), tls, "--json", "global"});
  Outcome plaintext = Pulse({ServerFlag(), "--timeout=3s", "global"});
  unsetenv("PULSE_TOKEN");
  ASSERT_EQ(global.exit_code, 0) << global.err;
  EXPECT_GT(Parse<v1::GlobalStats>(global.out).likes(), 0);
  EXPECT_EQ(plaintext.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(plaintext.err, "pulse: UNAVAILABLE"))
      << plaintext.err;

  Outcome missing =
      Pulse({ServerFlag(), tls, "--token_file=/nonexistent", "global"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(missing.err, "--token_file")) << missing.err;
}

// A server that refuses the token refuses the IngestStream call before it
// reads a batch: `pulse ingest` stops reading the file and says that nothing
// was stored, not that every line was sent.
TEST_F(CliTest, AStreamedIngestRefusedForItsTokenStopsAndSaysNothingWasStored) {
  const std::string admin = "cli-admin-token-0123456789";
  const std::string reader = "cli-read-token-0123456789";
  StartServer({"--auth_tokens=" +
               WriteFile("tokens", admin + " admin\n" + reader + " read\n")});
  constexpr int kLines = 200'000;
  std::string lines;
  for (int i = 0; i < kLines; ++i) {
    absl::StrAppend(&lines, "{\"eventId\":\"e", i,
                    "\",\"postId\":\"p1\",\"kind\":\"LIKE\"}\n");
  }
  const std::string big = WriteFile("big.jsonl", lines);
  const std::string read_token = WriteFile("read-token", reader + "\n");

  struct Case {
    std::vector<std::string> args;
    std::string code;
  };
  for (const Case& c : std::vector<Case>{
           {{ServerFlag(), "ingest", big}, "UNAUTHENTICATED"},
           {{ServerFlag(), "--token_file=" + read_token, "ingest", big},
            "PERMISSION_DENIED"}}) {
    Outcome run = Pulse(c.args);
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, "pulse: " + c.code + ": "))
        << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, "nothing was stored")) << run.err;
    EXPECT_FALSE(absl::StrContains(run.err, "may have stored")) << run.err;
    // It stopped reading when the call was over, long before the end.
    EXPECT_FALSE(absl::StrContains(run.err, absl::StrCat(kLines))) << run.err;
    EXPECT_EQ(run.out, "");
  }

  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + admin);
  v1::GlobalStats global;
  ASSERT_TRUE(
      stub_->GetGlobalStats(&context, v1::GetGlobalStatsRequest(), &global)
          .ok());
  EXPECT_EQ(global.likes(), 0);
}

}  // namespace
}  // namespace pulse::testing
