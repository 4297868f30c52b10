// Minimal leveled logging to stderr: one line per event, "TIME LEVEL message".
// Library pulse_log, shared by pulse-server and pulse-bridge.
#ifndef PULSE_SERVER_LOG_H_
#define PULSE_SERVER_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pulse::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below this level are dropped; default kInfo.
void SetLogLevel(LogLevel level);
// Sets the level from a --log_level value: debug, info, warn or error;
// INVALID_ARGUMENT naming the flag otherwise.
absl::Status SetLogLevelByName(absl::string_view name);
// Writes one line to stderr if `level` is enabled. Thread-safe.
void Log(LogLevel level, absl::string_view message);

// "name=value ..." of every flag defined in a file whose name ends with
// `main_file`, sorted: the effective configuration, for the start-up log.
std::string EffectiveFlags(absl::string_view main_file);

// Turns Abseil's mutex deadlock detection off for the process. Debian's
// Abseil is built with it on, so that every lock, and every mutex's
// destruction, takes one process-wide lock to update a graph of lock order
// (1-3 % of the bridge's and the server's CPU under fan-out,
// tools/bench/PERFORMANCE.md). The mains of pulse-server and pulse-bridge call
// this; the tests that run the server and the bridge in-process keep the
// detection.
void DisableMutexDeadlockDetection();

// Names the calling thread as `top -H`, `perf report --sort comm`, gdb and
// /proc/PID/task/*/comm show it: Linux keeps the first 15 bytes.
void NameThisThread(absl::string_view name);

}  // namespace pulse::server

#endif  // PULSE_SERVER_LOG_H_
