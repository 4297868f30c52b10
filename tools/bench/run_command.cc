#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/bench/scenarios.h"

namespace pulse::bench {
namespace {

using Scenario = absl::Status (*)(const BenchOptions&, Report&);
constexpr std::pair<const char*, Scenario> kScenarios[] = {
    {"ingest", RunIngest},
    {"query", RunQuery},
    {"fanout", RunFanout},
    {"storage", RunStorage}};

}  // namespace

absl::Status CheckCommand(const std::string& command) {
  if (command == "all") return absl::OkStatus();
  for (const auto& [name, run] : kScenarios) {
    if (command == name) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command '", command,
                   "': give ingest, query, fanout, storage or all"));
}

absl::Status RunCommand(const std::string& command, const BenchOptions& options,
                        Report& report) {
  if (absl::Status s = CheckCommand(command); !s.ok()) return s;
  for (const auto& [name, run] : kScenarios) {
    if (command != "all" && command != name) continue;
    const absl::Time start = absl::Now();
    std::fprintf(stderr, "pulse-bench: %s...\n", name);
    if (absl::Status s = run(options, report); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
    }
    std::fprintf(stderr, "pulse-bench: %s done in %.1f s\n", name,
                 absl::ToDoubleSeconds(absl::Now() - start));
  }
  return absl::OkStatus();
}

}  // namespace pulse::bench
