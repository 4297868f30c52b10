#include "tools/bench/fanout_setup.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace pulse::bench {

using google::protobuf::util::TimeUtil;

absl::StatusOr<FanoutProcesses> StartFanoutProcesses(
    const std::string& server_bin, const std::string& bridge_bin,
    const std::string& dir, int clients) {
  std::filesystem::create_directories(dir + "/web");
  FanoutProcesses p;
  absl::StatusOr<std::unique_ptr<ChildProcess>> server =
      ChildProcess::Start({server_bin, "--data_dir=" + dir + "/data",
                           "--log_level=warn", "--metrics_listen=127.0.0.1:0",
                           absl::StrCat("--max_subscriptions=", clients + 100)},
                          dir + "/server");
  if (!server.ok()) return server.status();
  p.server = *std::move(server);
  absl::StatusOr<std::unique_ptr<ChildProcess>> bridge =
      ChildProcess::Start({bridge_bin, "--backend=" + p.server->address(),
                           "--allowed_origins=*", "--web_root=" + dir + "/web",
                           absl::StrCat("--max_connections=", clients + 100)},
                          dir + "/bridge");
  if (!bridge.ok()) return bridge.status();
  p.bridge = *std::move(bridge);
  return p;
}

std::string MarkerId(const std::string& producer_id, int i) {
  return absl::StrFormat("%s-%06d", producer_id, i);
}

std::string SubscribeFrame(const std::vector<std::string>& post_ids,
                           absl::Duration min_interval) {
  v1::SubscribeRequest request;
  request.set_global(true);
  *request.mutable_top_posts()->mutable_window() =
      TimeUtil::SecondsToDuration(3600);
  request.mutable_top_posts()->set_limit(10);
  for (const std::string& id : post_ids) request.add_post_ids(id);
  *request.mutable_min_interval() =
      TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(min_interval));
  std::string params;
  (void)google::protobuf::util::MessageToJsonString(request, &params);
  return absl::StrCat(
      R"({"jsonrpc":"2.0","id":1,"method":"Subscribe","params":)", params, "}");
}

v1::IngestRequest MarkerBatch(const std::string& producer_id, int markers,
                              int64_t tick, absl::Time now) {
  v1::IngestRequest batch;
  batch.set_producer_id(producer_id);
  batch.set_sequence(static_cast<uint64_t>(tick) + 1);
  const auto stamp = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  for (int i = 0; i < markers; ++i) {
    if (tick == 0) {
      v1::Post* p = batch.add_posts();
      p->set_post_id(MarkerId(producer_id, i));
      p->set_account_id(producer_id + "-account");
      p->set_platform("bench");
      *p->mutable_published_at() = stamp;
    } else {
      v1::Engagement* e = batch.add_engagements();
      e->set_post_id(MarkerId(producer_id, i));
      e->set_kind(v1::LIKE);
      e->set_count(1);
      e->set_user_id(absl::StrCat("marker-user-", tick));
      *e->mutable_time() = stamp;
    }
  }
  return batch;
}

}  // namespace pulse::bench
