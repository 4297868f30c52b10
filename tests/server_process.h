// Runs a real pulse-server process on a loopback port for tests.
#ifndef PULSE_TESTS_SERVER_PROCESS_H_
#define PULSE_TESTS_SERVER_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.grpc.pb.h"

namespace pulse::testing {

// A fresh temporary directory, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One pulse-server child process serving `data_dir` on 127.0.0.1:<free port>.
class ServerProcess {
 public:
  // Starts the server and waits (at most 30 s) until it accepts connections
  // over `credentials` (null: plaintext).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& data_dir,
      const std::vector<std::string>& extra_flags = {},
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  // Kills the process (SIGKILL) if it still runs.
  ~ServerProcess();

  const std::string& address() const { return address_; }
  // The metrics port, when started with --metrics_listen; else 0.
  int metrics_port() const { return metrics_port_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::unique_ptr<v1::AnalyticsService::Stub> stub() const {
    return v1::AnalyticsService::NewStub(channel_);
  }

  // The process's resident memory in KiB and its thread count, from /proc.
  int64_t RssKib() const;
  int Threads() const;

  // Sends `signal` (e.g. SIGHUP) to the process.
  void Signal(int signal) const;
  // SIGSTOP, then waits (Scaled 10 s at most) until the kernel reports every
  // thread of the process stopped: it answers nothing until Resume(), while
  // its sockets stay open. False if it did not stop.
  bool Pause() const;
  // SIGCONT.
  void Resume() const;
  // Everything the process has written to stdout and stderr so far.
  std::string Log() const;

  // kill -9, then reaps the process.
  void Kill9();
  // SIGTERM, then waits at most `timeout_s` for it to exit; returns its exit
  // code, or -1 if it had to be killed.
  int Terminate(int timeout_s = 30);

 private:
  pid_t pid_ = -1;
  std::string log_file_;
  std::string address_;
  int metrics_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// A command line run to its end: its exit code (-1 when a signal or the
// timeout ended it) and what it wrote.
struct ProcessRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The whole content of the file at `path`; empty when it cannot be read.
std::string ReadFile(const std::string& path);

// The path of the pulse-server binary built beside the tests.
std::string ServerBinary();

// Starts `argv` (argv[0] is the binary's path) with stdout and stderr in
// files (one file when the paths are equal), so neither is a terminal, in
// directory `cwd` (empty: this one); the child dies with the test. Its pid.
pid_t StartProcess(const std::vector<std::string>& argv,
                   const std::string& out_path, const std::string& err_path,
                   const std::string& cwd = "");

// Waits for `pid` to end (SIGKILL after `timeout`), then reads its output.
ProcessRun WaitProcess(pid_t pid, const std::string& out_path,
                       const std::string& err_path, absl::Duration timeout);

// GET `path` on 127.0.0.1:`port` (HTTP/1.0, 10 s receive timeout); the whole
// response, status line and headers included; empty when nothing answers.
std::string HttpGet(int port, const std::string& path);

// A client context with a deadline of Scaled(10 s): the deadline only ends a
// call that has already failed, so it stretches with the sanitizers' slowdown.
std::unique_ptr<grpc::ClientContext> Context();

// Polls `done` every 5 ms until it holds (true) or Scaled(`timeout`) passes
// (false): a deadline only ends a wait that has already failed, so it
// stretches with the sanitizers' slowdown (tests/time_scale.h).
bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout);

}  // namespace pulse::testing

#endif  // PULSE_TESTS_SERVER_PROCESS_H_
