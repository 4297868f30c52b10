#include "server/ingest_stream_reactor.h"

#include "absl/strings/str_cat.h"
#include "server/analytics_service.h"

namespace pulse::server {

// The summary lists at most this many rejected items.
constexpr int kMaxListedRejections = 100;

IngestStreamReactor::IngestStreamReactor(AnalyticsService* service,
                                         grpc::CallbackServerContext* ctx,
                                         v1::IngestStreamResponse* response)
    : service_(service), ctx_(ctx), response_(response) {
  absl::StatusOr<std::shared_ptr<const Principal>> who =
      service_->auth()->Authorize(*ctx, Role::kIngest, "IngestStream");
  if (!who.ok()) {
    FinishCounted(who.status());
    return;
  }
  who_ = *std::move(who);
  StartRead(&request_);
}

void IngestStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client closed its side, or the call was cancelled
    FinishCounted(absl::OkStatus());
    return;
  }
  if (!service_->pool()->Submit([this] { StoreBatch(); })) {
    FinishCounted(absl::ResourceExhaustedError(
        absl::StrCat("server busy: batch[", batch_index_,
                     "] was not stored; retry it later")));
  }
}

void IngestStreamReactor::StoreBatch() {
  absl::StatusOr<v1::IngestResponse> result =
      service_->IngestBatch(*who_, request_);
  if (!result.ok()) {
    absl::Status status(
        result.status().code(),
        absl::StrCat("batch[", batch_index_, "]: ", result.status().message()));
    result.status().ForEachPayload(
        [&status](absl::string_view key, const absl::Cord& value) {
          status.SetPayload(key, value);
        });
    FinishCounted(status);
    return;
  }
  response_->set_batches(response_->batches() + 1);
  response_->set_duplicate_batches(response_->duplicate_batches() +
                                   (result->duplicate_batch() ? 1 : 0));
  response_->set_accepted(response_->accepted() + result->accepted());
  response_->set_duplicates(response_->duplicates() + result->duplicates());
  response_->set_rejected(response_->rejected() + result->rejected());
  response_->set_unknown_post_engagements(
      response_->unknown_post_engagements() +
      result->unknown_post_engagements());
  for (const v1::RejectedItem& item : result->rejected_items()) {
    if (response_->rejected_items_size() >= kMaxListedRejections) break;
    v1::RejectedItem* listed = response_->add_rejected_items();
    *listed = item;
    listed->set_field(absl::StrCat("batch[", batch_index_, "].", item.field()));
  }
  ++batch_index_;
  StartRead(&request_);
}

void IngestStreamReactor::FinishCounted(const absl::Status& status) {
  service_->metrics()->RecordRpc(
      "IngestStream", static_cast<int>(status.code()), absl::Now() - start_);
  AddRetryAfter(status, ctx_);
  Finish(ToGrpcStatus(status));
}

}  // namespace pulse::server
