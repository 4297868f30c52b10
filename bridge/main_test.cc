// The pulse-bridge binary's start-up: what it says, and when it refuses to
// start. Runs the binary built beside this test (PULSE_BRIDGE_BIN).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace pulse::bridge::testing {
namespace {

using pulse::testing::ReadFile;
using pulse::testing::TempDir;
using pulse::testing::WaitUntil;

// pulse-bridge started in `cwd` with `flags`, its output in `log`; killed
// (SIGKILL) on destruction if it still runs.
class BridgeProcess {
 public:
  BridgeProcess(const std::string& cwd, std::vector<std::string> flags,
                const std::string& log) {
    flags.insert(flags.begin(), PULSE_BRIDGE_BIN);
    pid_ = pulse::testing::StartProcess(flags, log, log, cwd);
  }
  ~BridgeProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // True once the process exited; its status in *status.
  bool Exited(int* status) {
    if (pid_ <= 0) return true;
    if (waitpid(pid_, status, WNOHANG) != pid_) return false;
    pid_ = -1;
    return true;
  }
  void Signal(int signal_number) { kill(pid_, signal_number); }
  // SIGTERM, then waits for the exit; its exit code, -1 if it did not exit.
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    if (!WaitUntil([&] { return Exited(&status); }, absl::Seconds(10)))
      return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

// Runs pulse-bridge with `flags` until it exits by itself; its exit code,
// -1 if it was still running after 10 s, and its output in *output.
int RunToExit(std::vector<std::string> flags, const TempDir& dir,
              std::string* output) {
  const std::string log = dir.path() + "/bridge.log";
  flags.push_back("--backend=127.0.0.1:1");
  BridgeProcess bridge(dir.path(), flags, log);
  int status = 0;
  const bool exited =
      WaitUntil([&] { return bridge.Exited(&status); }, absl::Seconds(10));
  *output = ReadFile(log);
  if (!exited || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// ede0bfc: websocketpp reports a failed listen as "Underlying Transport
// Error"; the bridge says why.
TEST(BridgeBinary, AListenPortInUseFailsSayingAddressAlreadyInUse) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  TempDir dir;
  std::string output;
  EXPECT_EQ(
      RunToExit({absl::StrCat("--listen=127.0.0.1:", port)}, dir, &output), 1)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "Address already in use")) << output;
  EXPECT_TRUE(absl::StrContains(output, absl::StrCat("127.0.0.1:", port)))
      << output;
  close(fd);
}

TEST(BridgeBinary, AnInfiniteDurationFlagIsRefusedByName) {
  TempDir dir;
  for (const std::string flag :
       {"--ping_interval", "--call_timeout", "--handshake_timeout",
        "--upstream_keepalive_time"}) {
    SCOPED_TRACE(flag);
    std::string output;
    EXPECT_EQ(RunToExit({"--listen=127.0.0.1:0", absl::StrCat(flag, "=inf")},
                        dir, &output),
              1)
        << output;
    EXPECT_TRUE(absl::StrContains(output, absl::StrCat(flag, ": must be in")))
        << output;
  }
}

// Starts pulse-bridge in `cwd` with `flags` and returns its output once it
// serves (empty if it never did).
std::string OutputOnceServing(const std::string& cwd,
                              std::vector<std::string> flags,
                              const TempDir& dir) {
  const std::string log = dir.path() + "/serving.log";
  const std::string port_file = dir.path() + "/port";
  std::filesystem::remove(port_file);
  flags.push_back("--listen=127.0.0.1:0");
  flags.push_back("--backend=127.0.0.1:1");
  flags.push_back("--port_file=" + port_file);
  BridgeProcess bridge(cwd, flags, log);
  const bool serving = WaitUntil(
      [&] { return absl::StrContains(ReadFile(log), "pulse-bridge serving"); },
      absl::Seconds(10));
  const std::string output = ReadFile(log);
  EXPECT_TRUE(serving) << output;
  EXPECT_EQ(bridge.Terminate(), 0) << output;
  return output;
}

// The default --web_root is relative to the working directory: started
// elsewhere, the bridge serves no dashboard, and says so.
TEST(BridgeBinary, AWebRootWithoutIndexHtmlIsWarnedAbout) {
  TempDir dir;
  const std::string output = OutputOnceServing(dir.path(), {}, dir);
  EXPECT_TRUE(absl::StrContains(output, "WARN")) << output;
  EXPECT_TRUE(absl::StrContains(output, "--web_root=clients/web")) << output;
  EXPECT_TRUE(absl::StrContains(output, "the dashboard is not served"))
      << output;
}

TEST(BridgeBinary, AWebRootWithIndexHtmlIsNotWarnedAbout) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/clients/web");
  std::ofstream(dir.path() + "/clients/web/index.html") << "<!doctype html>\n";
  const std::string output = OutputOnceServing(dir.path(), {}, dir);
  EXPECT_FALSE(absl::StrContains(output, "the dashboard is not served"))
      << output;
}

// SIGHUP reloads pulse-server's tokens; sent to the bridge as well, it is
// logged and changes nothing (it used to end the process, and every socket).
TEST(BridgeBinary, SighupIsLoggedAndIgnored) {
  TempDir dir;
  const std::string log = dir.path() + "/hup.log";
  BridgeProcess bridge(dir.path(),
                       {"--listen=127.0.0.1:0", "--backend=127.0.0.1:1"}, log);
  ASSERT_TRUE(WaitUntil(
      [&] { return absl::StrContains(ReadFile(log), "pulse-bridge serving"); },
      absl::Seconds(10)))
      << ReadFile(log);
  bridge.Signal(SIGHUP);
  EXPECT_TRUE(WaitUntil(
      [&] { return absl::StrContains(ReadFile(log), "SIGHUP ignored"); },
      absl::Seconds(10)))
      << ReadFile(log);
  int status = 0;
  EXPECT_FALSE(bridge.Exited(&status)) << "SIGHUP ended the bridge";
  EXPECT_EQ(bridge.Terminate(), 0) << ReadFile(log);
}

}  // namespace
}  // namespace pulse::bridge::testing
