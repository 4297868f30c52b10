#include "tools/soak/sample.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace pulse::soak {
namespace {

// KiB as MiB with one decimal, or "-" when unknown.
std::string Mib(int64_t kib) {
  return kib < 0 ? "-"
                 : absl::StrFormat("%.1f", static_cast<double>(kib) / 1024);
}

std::string Count(int64_t n) { return n < 0 ? "-" : absl::StrCat(n); }

}  // namespace

std::string TableHeader() {
  return absl::StrFormat(
      "%7s %10s %10s %10s %6s %6s %8s %8s %8s %8s %9s %8s %7s %7s %9s %6s",
      "elapsed", "server_MiB", "s_rocks_pk", "bridge_MiB", "s_fds", "b_fds",
      "vis_p50", "vis_p99", "vis_max", "visible", "stalest", "frames",
      "clients", "dropped", "acked/s", "errors");
}

std::string TableRow(const Sample& s) {
  return absl::StrFormat(
      "%6.0fs %10s %10s %10s %6s %6s %6.0fms %6.0fms %6.0fms %8d %7.0fms %8d "
      "%7d "
      "%7d %9.0f %6d",
      s.elapsed_s, Mib(s.server_rss_kib), Mib(s.server_rocksdb_peak_kib),
      Mib(s.bridge_rss_kib), Count(s.server_fds), Count(s.bridge_fds),
      s.visibility_p50_ms, s.visibility_p99_ms, s.visibility_max_ms,
      s.visible_likes, s.stalest_client_ms, s.frames, s.clients_connected,
      s.clients_dropped, s.acked_items_per_s, s.errors);
}

std::string SampleJson(const Sample& s) {
  google::protobuf::Struct json;
  auto& f = *json.mutable_fields();
  f["soak"].set_string_value("sample");
  f["elapsed_s"].set_number_value(s.elapsed_s);
  f["server_rss_kib"].set_number_value(static_cast<double>(s.server_rss_kib));
  f["server_rocksdb_peak_kib"].set_number_value(
      static_cast<double>(s.server_rocksdb_peak_kib));
  f["bridge_rss_kib"].set_number_value(static_cast<double>(s.bridge_rss_kib));
  f["server_fds"].set_number_value(static_cast<double>(s.server_fds));
  f["bridge_fds"].set_number_value(static_cast<double>(s.bridge_fds));
  f["visibility_p50_ms"].set_number_value(s.visibility_p50_ms);
  f["visibility_p99_ms"].set_number_value(s.visibility_p99_ms);
  f["visibility_max_ms"].set_number_value(s.visibility_max_ms);
  f["visible_likes"].set_number_value(static_cast<double>(s.visible_likes));
  f["stalest_client_ms"].set_number_value(s.stalest_client_ms);
  f["frames"].set_number_value(static_cast<double>(s.frames));
  f["clients_connected"].set_number_value(
      static_cast<double>(s.clients_connected));
  f["clients_dropped"].set_number_value(static_cast<double>(s.clients_dropped));
  f["acked_items_per_s"].set_number_value(s.acked_items_per_s);
  f["errors"].set_number_value(static_cast<double>(s.errors));
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(json, &out);
  return out;
}

}  // namespace pulse::soak
