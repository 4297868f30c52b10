// One sample of a soak run: how the processes and the websocket clients
// looked over one interval, printed as a table row and as a JSON line.
// Knows nothing of how the numbers were measured.
#ifndef PULSE_TOOLS_SOAK_SAMPLE_H_
#define PULSE_TOOLS_SOAK_SAMPLE_H_

#include <cstdint>
#include <string>

namespace pulse::soak {

struct Sample {
  double elapsed_s = 0;  // since the clients started measuring
  // -1 when unknown (a process we did not start and have no pid for) or
  // unreadable (it exited).
  int64_t server_rss_kib = -1;
  int64_t bridge_rss_kib = -1;
  int64_t server_fds = -1;
  // The most the server's RocksDB memtables plus block cache have held so
  // far (GetStorageStats): memory bounded by configuration that fills for
  // minutes and that RSS keeps after a flush frees it, so the RSS check
  // discounts its growth. -1 when unknown.
  int64_t server_rocksdb_peak_kib = -1;
  int64_t bridge_fds = -1;
  // Visibility latency of the marker likes that became visible in the
  // interval: the frame's arrival minus the like's ingest acknowledgement.
  double visibility_p50_ms = 0;
  double visibility_p99_ms = 0;
  double visibility_max_ms = 0;
  int64_t visible_likes = 0;  // latencies measured in the interval
  // Time since the oldest acknowledged like that some client has not seen
  // yet was acknowledged; 0 when every client is up to date.
  double stalest_client_ms = 0;
  int64_t frames = 0;  // update frames received in the interval
  int64_t clients_connected = 0;
  int64_t clients_dropped = 0;   // so far: failed to open or closed by peer
  double acked_items_per_s = 0;  // firehose items acknowledged, interval mean
  int64_t errors = 0;            // so far; see SoakResult
};

// The table's header line and one row (no newline), aligned with it.
std::string TableHeader();
std::string TableRow(const Sample& sample);

// The sample as one JSON object ({"soak": "sample", "elapsed_s": ...}), no
// newline.
std::string SampleJson(const Sample& sample);

}  // namespace pulse::soak

#endif  // PULSE_TOOLS_SOAK_SAMPLE_H_
