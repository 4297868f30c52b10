// Reading a figure off a process's Prometheus /metrics page (pulse-server's
// --metrics_port, pulse-bridge's own port): what the processes count about
// themselves, beside what the bench measures from outside.
#ifndef PULSE_TOOLS_BENCH_METRICS_SCRAPE_H_
#define PULSE_TOOLS_BENCH_METRICS_SCRAPE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tools/bench/child_process.h"

namespace pulse::bench {

// GET http://127.0.0.1:<port><path>, HTTP/1.0; the body of a 200 answer.
// UNAVAILABLE when the connection fails or `timeout` passes, INTERNAL on
// another status.
absl::StatusOr<std::string> HttpGetBody(int port, const std::string& path,
                                        absl::Duration timeout);

// The value of the unlabelled sample `name` in the text exposition format;
// NOT_FOUND if it has none.
absl::StatusOr<double> MetricValue(absl::string_view exposition,
                                   absl::string_view name);

// GETs /metrics on `port` once and reads `names` off it (MetricValue), in
// order; the first error of either.
absl::StatusOr<std::vector<double>> ReadMetrics(
    int port, absl::Span<const char* const> names, absl::Duration timeout);

// ReadMetrics off a pulse-server started with --metrics_listen (the second
// port of its port file); FAILED_PRECONDITION when it wrote none.
absl::StatusOr<std::vector<double>> ReadServerMetrics(
    const ChildProcess& server, absl::Span<const char* const> names,
    absl::Duration timeout);

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_METRICS_SCRAPE_H_
