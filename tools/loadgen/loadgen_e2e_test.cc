// The real pulse-loadgen binary: what --help promises and what an operator
// sees on a stderr that is not a terminal (systemd, nohup, a pipe).
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace {

// How long any one pulse-loadgen run may take.
constexpr absl::Duration kTimeout = absl::Seconds(30);

using pulse::testing::ProcessRun;
using pulse::testing::ReadFile;
using Outcome = ProcessRun;

class LoadgenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "loadgen-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::remove(OutPath().c_str());
    std::remove(ErrPath().c_str());
    rmdir(dir_.c_str());
  }

  // Starts pulse-loadgen with `args`, stdout and stderr to files (so neither
  // is a terminal).
  pid_t Start(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {PULSE_LOADGEN_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return pulse::testing::StartProcess(argv, OutPath(), ErrPath());
  }

  // Waits for `pid` to end (killed after kTimeout: exit_code -1).
  Outcome Wait(pid_t pid) {
    return pulse::testing::WaitProcess(pid, OutPath(), ErrPath(), kTimeout);
  }

  // Runs pulse-loadgen with `args` to its end.
  Outcome Loadgen(const std::vector<std::string>& args) {
    return Wait(Start(args));
  }

  // What the running or ended pulse-loadgen has written to stderr.
  std::string Err() const { return ReadFile(ErrPath()); }

  std::string OutPath() const { return dir_ + "/out"; }
  std::string ErrPath() const { return dir_ + "/err"; }

  std::string dir_;
};

// The usage line's `[--flag=value]` examples show each flag's default.
TEST_F(LoadgenTest, TheUsageLineShowsTheFlagsDefaults) {
  // (Abseil's --help exits with 1.)
  Outcome help = Loadgen({"--help"});
  const std::string text = help.out + help.err;
  const std::string usage = text.substr(0, text.find('\n', text.find("[--")));
  const std::regex example(R"(\[--(\w+)=([^\]]*)\])");
  int checked = 0;
  for (std::sregex_iterator it(usage.begin(), usage.end(), example), end;
       it != end; ++it, ++checked) {
    const std::string flag = (*it)[1];
    const std::string shown = (*it)[2];
    // Abseil's listing: "--flag (help); default: value;" (strings quoted).
    std::smatch listed;
    ASSERT_TRUE(std::regex_search(
        text, listed,
        std::regex(absl::StrCat("--", flag,
                                R"( \([\s\S]*?\);\s+default: "?([^";]*))"))))
        << flag << " is not listed in\n"
        << text;
    EXPECT_EQ(shown, listed[1].str()) << "--" << flag;
  }
  EXPECT_GE(checked, 4) << usage;
}

// Under systemd or nohup there is no progress line: a server that is down
// is said at once, not only when the run ends.
TEST_F(LoadgenTest, SaysOnStderrThatItIsRetryingWhileTheServerIsDown) {
  const pid_t pid =
      Start({"--server=127.0.0.1:1", "--posts=10", "--accounts=10"});
  ASSERT_GT(pid, 0);
  const absl::Time deadline = absl::Now() + kTimeout;
  while (Err().find("retrying") == std::string::npos &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  // Long enough for several failed calls, which must not add lines.
  absl::SleepFor(absl::Seconds(1));
  kill(pid, SIGTERM);
  Outcome run = Wait(pid);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("pulse-loadgen: sending interrupted, retrying: "
                         "UNAVAILABLE: "),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("retrying"), run.err.rfind("retrying")) << run.err;
  EXPECT_EQ(run.err.find("recovered"), std::string::npos) << run.err;
}

}  // namespace
