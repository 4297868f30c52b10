// Minimal leveled logging to stderr: one line per event, "TIME LEVEL message".
#ifndef PULSE_SERVER_LOG_H_
#define PULSE_SERVER_LOG_H_

#include "absl/strings/string_view.h"

namespace pulse::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below this level are dropped; default kInfo.
void SetLogLevel(LogLevel level);
// Writes one line to stderr if `level` is enabled. Thread-safe.
void Log(LogLevel level, absl::string_view message);

}  // namespace pulse::server

#endif  // PULSE_SERVER_LOG_H_
