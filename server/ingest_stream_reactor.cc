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
    FinishWhenPublished(ctx_->IsCancelled()
                            ? absl::CancelledError("the call was cancelled")
                            : absl::OkStatus());
    return;
  }
  if (!service_->pool()->Submit([this] { StoreBatch(); })) {
    FinishWhenPublished(absl::ResourceExhaustedError(absl::StrCat(
        "server busy: ", CurrentBatch(), " was not stored; retry it later")));
  }
}

void IngestStreamReactor::StoreBatch() {
  absl::StatusOr<AnalyticsService::StoredBatch> stored =
      service_->StoreBatch(*who_, request_);
  if (!stored.ok()) {
    absl::Status status(
        stored.status().code(),
        absl::StrCat(CurrentBatch(), ": ", stored.status().message()));
    stored.status().ForEachPayload(
        [&status](absl::string_view key, const absl::Cord& value) {
          status.SetPayload(key, value);
        });
    FinishWhenPublished(status);
    return;
  }
  {
    // The summary passes from the worker that stored the last batch to this
    // one through mu_. gRPC orders the two already (the next read starts
    // only once the last batch is stored), but inside libgrpc, where
    // ThreadSanitizer cannot see it.
    absl::MutexLock lock(&mu_);
    AddToSummary(stored->response);
    ++batch_index_;
    ++publishing_;
  }
  // From here another worker may store the next batch while this one
  // publishes; request_ and response_ are the next batch's.
  StartRead(&request_);
  service_->PublishBatch(*stored);
  std::optional<absl::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    if (--publishing_ == 0) finish.swap(finish_);
  }
  if (finish.has_value()) FinishCounted(*finish);
}

void IngestStreamReactor::AddToSummary(const v1::IngestResponse& result) {
  response_->set_batches(response_->batches() + 1);
  response_->set_duplicate_batches(response_->duplicate_batches() +
                                   (result.duplicate_batch() ? 1 : 0));
  response_->set_accepted(response_->accepted() + result.accepted());
  response_->set_duplicates(response_->duplicates() + result.duplicates());
  response_->set_rejected(response_->rejected() + result.rejected());
  response_->set_unknown_post_engagements(
      response_->unknown_post_engagements() +
      result.unknown_post_engagements());
  for (const v1::RejectedItem& item : result.rejected_items()) {
    if (response_->rejected_items_size() >= kMaxListedRejections) break;
    v1::RejectedItem* listed = response_->add_rejected_items();
    *listed = item;
    listed->set_field(absl::StrCat("batch[", batch_index_, "].", item.field()));
  }
}

std::string IngestStreamReactor::CurrentBatch() {
  absl::MutexLock lock(&mu_);
  return absl::StrCat("batch[", batch_index_, "]");
}

void IngestStreamReactor::FinishWhenPublished(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (publishing_ > 0) {
      finish_ = status;
      return;
    }
  }
  FinishCounted(status);
}

void IngestStreamReactor::FinishCounted(const absl::Status& status) {
  service_->metrics()->RecordRpc(
      "IngestStream", static_cast<int>(status.code()), absl::Now() - start_);
  AddRetryAfter(status, ctx_);
  Finish(ToGrpcStatus(status));
}

}  // namespace pulse::server
