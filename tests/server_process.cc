#include "tests/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/time_scale.h"

namespace pulse::testing {
namespace {
// A server's Shutdown waits for every connected client to answer its GOAWAY
// ping. A gRPC C++ 1.51 client reads an idle channel's socket only when its
// backup poller runs, every 5 s by default, so each SIGTERM of a server that
// this process holds an idle channel to took the whole 5 s shutdown grace.
// Read once at gRPC's initialisation, hence before main; an interval set in
// the environment wins.
const bool kFastIdlePolling =
    setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50",
           /*overwrite=*/0) == 0;
}  // namespace

TempDir::TempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "pulse-test-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& data_dir, const std::vector<std::string>& extra_flags,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  const std::string port_file = data_dir + ".port";
  std::filesystem::remove(port_file);
  std::vector<std::string> args = {
      PULSE_SERVER_BIN, "--listen=127.0.0.1:0", "--data_dir=" + data_dir,
      "--port_file=" + port_file, "--log_level=warn"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto server = std::unique_ptr<ServerProcess>(new ServerProcess);
  const std::string log_file = data_dir + ".log";
  server->log_file_ = log_file;
  server->pid_ = fork();
  if (server->pid_ < 0) return absl::InternalError("fork failed");
  if (server->pid_ == 0) {
    // The server must not outlive a crashed test, nor hold the test's
    // stdout open (a pipe reading it would never end): its output goes to
    // a log file beside the data dir.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      close(log);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  int port = 0;
  const bool started = WaitUntil(
      [&] {
        std::ifstream in(port_file);
        if (in >> port) return true;
        int status = 0;
        return waitpid(server->pid_, &status, WNOHANG) == server->pid_;
      },
      absl::Seconds(30));
  if (!started || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("pulse-server did not start: ", server->Log()));
  }
  server->address_ = absl::StrCat("127.0.0.1:", port);
  {
    std::ifstream in(port_file);
    int grpc_port = 0;
    in >> grpc_port >> server->metrics_port_;  // the second line
  }
  server->channel_ = grpc::CreateChannel(
      server->address_, credentials != nullptr
                            ? credentials
                            : grpc::InsecureChannelCredentials());
  if (!server->channel_->WaitForConnected(std::chrono::system_clock::now() +
                                          std::chrono::seconds(10))) {
    return absl::UnavailableError("pulse-server does not accept connections");
  }
  return server;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill9();
}

namespace {
// A number field ("VmRSS:", "Threads:") of /proc/PID/status; -1 if absent.
int64_t StatusField(pid_t pid, const std::string& name) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string key;
  while (in >> key) {
    if (key == name) {
      int64_t value = -1;
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}
}  // namespace

int64_t ServerProcess::RssKib() const { return StatusField(pid_, "VmRSS:"); }
int ServerProcess::Threads() const {
  return static_cast<int>(StatusField(pid_, "Threads:"));
}

void ServerProcess::Signal(int signal) const { kill(pid_, signal); }

bool ServerProcess::Pause() const {
  kill(pid_, SIGSTOP);
  const std::string tasks = absl::StrCat("/proc/", pid_, "/task");
  return WaitUntil(
      [&] {
        std::error_code ec;
        for (const auto& task :
             std::filesystem::directory_iterator(tasks, ec)) {
          // /proc/PID/task/TID/stat: "TID (comm) STATE ..."; comm may hold
          // spaces and parentheses, the last ')' ends it.
          std::ifstream in(task.path() / "stat");
          std::string line;
          std::getline(in, line);
          const size_t close = line.rfind(')');
          if (close == std::string::npos || close + 2 >= line.size() ||
              line[close + 2] != 'T')
            return false;
        }
        return !ec;
      },
      absl::Seconds(10));
}

void ServerProcess::Resume() const { kill(pid_, SIGCONT); }

std::string ServerProcess::Log() const {
  std::ifstream log(log_file_);
  return std::string((std::istreambuf_iterator<char>(log)),
                     std::istreambuf_iterator<char>());
}

void ServerProcess::Kill9() {
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate(int timeout_s) {
  kill(pid_, SIGTERM);
  int status = 0;
  const bool exited =
      WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; },
                absl::Seconds(timeout_s));
  if (!exited) {
    Kill9();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(
      absl::ToChronoTime(absl::Now() + Scaled(absl::Seconds(10))));
  return ctx;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string ServerBinary() { return PULSE_SERVER_BIN; }

pid_t StartProcess(const std::vector<std::string>& argv,
                   const std::string& out_path, const std::string& err_path,
                   const std::string& cwd) {
  std::vector<std::string> args = argv;
  std::vector<char*> c_argv;
  for (std::string& arg : args) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  const bool one_file = out_path == err_path;
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err =
        one_file ? out
                 : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) _exit(126);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  return pid;
}

ProcessRun WaitProcess(pid_t pid, const std::string& out_path,
                       const std::string& err_path, absl::Duration timeout) {
  ProcessRun run;
  if (pid < 0) return run;
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\n\r\n");
    send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) response.append(buf, n);
  }
  close(fd);
  return response;
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + Scaled(timeout);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

}  // namespace pulse::testing
