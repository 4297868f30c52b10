#include "tools/bench/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace pulse::bench {
namespace {

template <typename Fn>
bool WaitFor(Fn done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "pulse-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    std::vector<std::string> args, const std::string& log_prefix,
    absl::Duration timeout) {
  if (access(args[0].c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no executable at ", args[0]));
  }
  const std::string port_file = log_prefix + ".port";
  std::filesystem::remove(port_file);
  args.push_back("--listen=127.0.0.1:0");
  args.push_back("--port_file=" + port_file);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto child = std::unique_ptr<ChildProcess>(new ChildProcess);
  child->log_file_ = log_prefix + ".log";
  const absl::Time started = absl::Now();
  child->pid_ = fork();
  if (child->pid_ < 0) return absl::InternalError("fork failed");
  if (child->pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log =
        open(child->log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      close(log);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  int port = 0;
  int second_port = 0;
  bool exited = false;
  const bool ready = WaitFor(
      [&] {
        std::ifstream in(port_file);
        if (in >> port && port > 0) {
          if (!(in >> second_port)) second_port = 0;
          return true;
        }
        int status = 0;
        exited = waitpid(child->pid_, &status, WNOHANG) == child->pid_;
        return exited;
      },
      timeout);
  if (exited) child->pid_ = -1;
  if (!ready || exited || port <= 0) {
    return absl::UnavailableError(
        absl::StrCat(args[0], " did not start: ", child->LogTail()));
  }
  child->port_ = port;
  child->second_port_ = second_port;
  child->startup_ = absl::Now() - started;
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string ChildProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

int64_t ChildProcess::RssKib() const { return pid_ > 0 ? RssKibOf(pid_) : -1; }

int64_t ChildProcess::OpenFiles() const {
  return pid_ > 0 ? OpenFilesOf(pid_) : -1;
}

double ChildProcess::CpuSeconds() const {
  return pid_ > 0 ? CpuSecondsOf(pid_) : -1;
}

int ChildProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  const bool exited =
      WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ChildProcess::LogTail() const {
  std::ifstream in(log_file_);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (text.size() > 2000) text = text.substr(text.size() - 2000);
  return text;
}

double CpuSecondsOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(in, line);
  // The command name may hold spaces: fields are counted after its ')'.
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(line.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // After ')': state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t RssKibOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      int64_t kib = -1;
      in >> kib;
      return kib;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

int64_t OpenFilesOf(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it(absl::StrCat("/proc/", pid, "/fd"),
                                         ec);
  if (ec) return -1;
  int64_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return -1;
    ++n;
  }
  return n;
}

std::string SelfDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().string();
}

int64_t RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<int64_t>(limit.rlim_cur);
}

int64_t DirectoryBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

}  // namespace pulse::bench
