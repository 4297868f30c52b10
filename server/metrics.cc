#include "server/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/support/status_code_enum.h"

namespace pulse::server {
namespace {

// gRPC's canonical code names, for the `code` label.
constexpr const char* kCodeNames[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};

const char* CodeName(int code) {
  return code >= 0 && code < 17 ? kCodeNames[code] : "UNKNOWN";
}

void Header(absl::string_view name, absl::string_view type,
            absl::string_view help, std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type,
                  "\n");
}

}  // namespace

void LatencyHistogram::Observe(absl::Duration d) {
  const double seconds = absl::ToDoubleSeconds(d);
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(absl::ToInt64Microseconds(d),
                        std::memory_order_relaxed);
}

void LatencyHistogram::Render(absl::string_view name, absl::string_view labels,
                              std::string* out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBounds.size()
                               ? absl::StrFormat("%g", kBounds[i])
                               : std::string("+Inf");
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", le, "\"} ",
                    cumulative, "\n");
  }
  const std::string braces =
      labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ",
                  absl::StrFormat("%.6f", sum_micros_.load() / 1e6), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", count_.load(), "\n");
}

void ServerMetrics::RecordRpc(absl::string_view method, int code,
                              absl::Duration latency) {
  absl::MutexLock lock(&mu_);
  ++rpcs_[{std::string(method), code}];
  latency_[std::string(method)].Observe(latency);
}

void ServerMetrics::RecordIngest(int64_t engagements, int64_t items,
                                 absl::Duration latency) {
  ingest_batches_.fetch_add(1, std::memory_order_relaxed);
  ingest_engagements_.fetch_add(engagements, std::memory_order_relaxed);
  ingest_items_.fetch_add(items, std::memory_order_relaxed);
  ingest_latency_.Observe(latency);
}

std::string ServerMetrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  Header("pulse_rpcs_total", "counter",
         "Finished RPCs by method and status code.", &out);
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, count] : rpcs_) {
      absl::StrAppend(&out, "pulse_rpcs_total{method=\"", key.first,
                      "\",code=\"", CodeName(key.second), "\"} ", count, "\n");
    }
    Header("pulse_rpc_latency_seconds", "histogram",
           "RPC latency from arrival to answer, by method.", &out);
    for (const auto& [method, histogram] : latency_) {
      histogram.Render("pulse_rpc_latency_seconds",
                       absl::StrCat("method=\"", method, "\""), &out);
    }
  }
  Header("pulse_ingest_batches_total", "counter", "Ingest batches stored.",
         &out);
  absl::StrAppend(&out, "pulse_ingest_batches_total ", ingest_batches_.load(),
                  "\n");
  Header("pulse_ingest_engagements_total", "counter", "Engagements stored.",
         &out);
  absl::StrAppend(&out, "pulse_ingest_engagements_total ",
                  ingest_engagements_.load(), "\n");
  Header("pulse_ingest_items_total", "counter",
         "Posts, engagements and follows stored.", &out);
  absl::StrAppend(&out, "pulse_ingest_items_total ", ingest_items_.load(),
                  "\n");
  Header("pulse_ingest_batch_seconds", "histogram",
         "Time to validate and durably store one batch.", &out);
  ingest_latency_.Render("pulse_ingest_batch_seconds", "", &out);
  for (const Gauge& g : gauges) {
    Header(g.name, "gauge", g.help, &out);
    absl::StrAppend(&out, g.name, " ", absl::StrFormat("%.17g", g.value), "\n");
  }
  return out;
}

}  // namespace pulse::server
