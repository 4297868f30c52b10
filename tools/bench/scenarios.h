// pulse-bench's scenarios. Each starts its own pulse-server (and, for
// fan-out, pulse-bridge) processes on loopback free ports over temporary
// data dirs, measures, adds its figures to `report` and stops them.
// Blocking; run from the main thread.
#ifndef PULSE_TOOLS_BENCH_SCENARIOS_H_
#define PULSE_TOOLS_BENCH_SCENARIOS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/bench_options.h"
#include "tools/bench/report.h"

namespace pulse::bench {

absl::Status RunIngest(const BenchOptions& options, Report& report);
absl::Status RunQuery(const BenchOptions& options, Report& report);
absl::Status RunFanout(const BenchOptions& options, Report& report);
absl::Status RunStorage(const BenchOptions& options, Report& report);
// OK if `command` is one RunCommand runs (ingest, query, fanout, storage or
// all); INVALID_ARGUMENT, naming those, for another. Runs nothing.
absl::Status CheckCommand(const std::string& command);
// OK if every name in `rpcs` (BenchOptions::query_rpcs, from --query_rpcs) is
// an RPC the query scenario measures; INVALID_ARGUMENT naming the first that
// is not, and those it measures. Runs nothing.
absl::Status CheckQueryRpcs(const std::vector<std::string>& rpcs);
// Runs `command` (ingest, query, fanout, storage or all); INVALID_ARGUMENT for
// another (CheckCommand). `all` runs every scenario, stopping at the first
// error.
absl::Status RunCommand(const std::string& command, const BenchOptions& options,
                        Report& report);

// The q-quantile (0..1) of `values`, nearest rank; 0 when empty. Sorts.
inline double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(q * static_cast<double>(values.size()));
  return values[std::min(rank, values.size() - 1)];
}

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_SCENARIOS_H_
