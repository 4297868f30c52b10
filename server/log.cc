#include "server/log.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pulse::server {
namespace {
std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
}  // namespace

void SetLogLevel(LogLevel level) { min_level = static_cast<int>(level); }

absl::Status SetLogLevelByName(absl::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == absl::AsciiStrToLower(kNames[i])) {
      SetLogLevel(static_cast<LogLevel>(i));
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--log_level: expected debug, info, warn or error, not \"", name, "\""));
}

std::string EffectiveFlags(absl::string_view main_file) {
  std::vector<std::string> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), main_file)) {
      flags.push_back(absl::StrCat(name, "=", flag->CurrentValue()));
    }
  }
  std::sort(flags.begin(), flags.end());
  return absl::StrJoin(flags, " ");
}

void Log(LogLevel level, absl::string_view message) {
  if (static_cast<int>(level) < min_level) return;
  const std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   " ", kNames[static_cast<int>(level)], " ", message, "\n");
  std::fwrite(line.data(), 1, line.size(),
              stderr);  // one write: lines never interleave
}

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

void NameThisThread(absl::string_view name) {
  // pthread_setname_np refuses names longer than 15 bytes: cut, don't fail.
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace pulse::server
