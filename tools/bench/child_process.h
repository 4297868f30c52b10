// Starts pulse-server / pulse-bridge child processes on loopback free ports
// (--listen=127.0.0.1:0 plus --port_file) and reads their RSS and CPU time
// and open files from /proc. Knows nothing of what the children do.
#ifndef PULSE_TOOLS_BENCH_CHILD_PROCESS_H_
#define PULSE_TOOLS_BENCH_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pulse::bench {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One child process. Killed (SIGKILL) on destruction if still running; it
// also dies with the bench (PR_SET_PDEATHSIG).
class ChildProcess {
 public:
  // Runs `argv` (argv[0] is the binary's path) with
  // --listen=127.0.0.1:0 --port_file=<log_prefix>.port appended, output to
  // <log_prefix>.log, and waits until the port file appears (at most
  // `timeout`). Blocks.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      std::vector<std::string> argv, const std::string& log_prefix,
      absl::Duration timeout = absl::Seconds(60));
  ~ChildProcess();

  int port() const { return port_; }
  // The port file's second number, if any (pulse-server writes its
  // --metrics_listen port there); 0 otherwise.
  int second_port() const { return second_port_; }
  std::string address() const;
  pid_t pid() const { return pid_; }
  // Wall time from fork to the port file.
  absl::Duration startup_time() const { return startup_; }

  // VmRSS in KiB; -1 once exited.
  int64_t RssKib() const;
  // Open file descriptors; -1 once exited.
  int64_t OpenFiles() const;
  // User + system CPU seconds so far; -1 once exited.
  double CpuSeconds() const;
  // SIGTERM, then waits at most `timeout`, then SIGKILL. Returns the exit
  // code, or -1 when it had to be killed or died of a signal.
  int Terminate(absl::Duration timeout = absl::Seconds(60));
  // The tail of its log, for error messages.
  std::string LogTail() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int second_port_ = 0;
  absl::Duration startup_;
  std::string log_file_;
};

// VmRSS of process `pid` in KiB; -1 when it cannot be read (no such process).
int64_t RssKibOf(pid_t pid);

// User + system CPU seconds of process `pid` so far (getpid() for this
// one); -1 when they cannot be read.
double CpuSecondsOf(pid_t pid);

// The open file descriptors of process `pid` (entries of /proc/PID/fd); -1
// when they cannot be listed (no such process, or not ours).
int64_t OpenFilesOf(pid_t pid);

// The directory holding the running executable (from /proc/self/exe).
std::string SelfDir();

// Raises RLIMIT_NOFILE to its hard limit; returns the new soft limit.
int64_t RaiseFileLimit();

// Bytes used by the files under `dir` (recursively).
int64_t DirectoryBytes(const std::string& dir);

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_CHILD_PROCESS_H_
