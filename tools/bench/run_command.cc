#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/bench/scenarios.h"

namespace pulse::bench {

absl::Status RunCommand(const std::string& command, const BenchOptions& options,
                        Report& report) {
  using Scenario = absl::Status (*)(const BenchOptions&, Report&);
  const std::pair<const char*, Scenario> scenarios[] = {
      {"ingest", RunIngest},
      {"query", RunQuery},
      {"fanout", RunFanout},
      {"storage", RunStorage}};
  bool ran = false;
  for (const auto& [name, run] : scenarios) {
    if (command != "all" && command != name) continue;
    ran = true;
    const absl::Time start = absl::Now();
    std::fprintf(stderr, "pulse-bench: %s...\n", name);
    if (absl::Status s = run(options, report); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
    }
    std::fprintf(stderr, "pulse-bench: %s done in %.1f s\n", name,
                 absl::ToDoubleSeconds(absl::Now() - start));
  }
  if (!ran) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command '", command,
                     "': expected ingest, query, fanout, storage or all"));
  }
  return absl::OkStatus();
}

}  // namespace pulse::bench
