// pulse-server's metrics in the Prometheus text format.
#ifndef PULSE_SERVER_METRICS_H_
#define PULSE_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pulse::server {

// A latency histogram with fixed buckets (seconds). Thread-safe, lock-free.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

  // Counts one observation.
  void Observe(absl::Duration d);
  // Appends the _bucket, _sum and _count lines of `name` with `labels`
  // (e.g. `method="Ingest"`, or empty).
  void Render(absl::string_view name, absl::string_view labels,
              std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1>
      buckets_{};  // last: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// Counters and histograms the service updates; rendered with gauges read
// at scrape time. Thread-safe.
class ServerMetrics {
 public:
  // One finished RPC: its method's short name, status code and latency.
  void RecordRpc(absl::string_view method, int code, absl::Duration latency);
  // One stored ingest batch.
  void RecordIngest(int64_t engagements, int64_t items, absl::Duration latency);

  // The text exposition; `gauges` are (name, help, value) read by the caller.
  struct Gauge {
    std::string name;
    std::string help;
    double value;
  };
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  mutable absl::Mutex mu_;
  absl::btree_map<std::pair<std::string, int>, uint64_t> rpcs_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, LatencyHistogram> latency_
      ABSL_GUARDED_BY(mu_);  // node-based: atomics never move
  std::atomic<uint64_t> ingest_batches_{0};
  std::atomic<uint64_t> ingest_engagements_{0};
  std::atomic<uint64_t> ingest_items_{0};
  LatencyHistogram ingest_latency_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_METRICS_H_
