#include "server/analytics_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/ingest_stream_reactor.h"
#include "server/subscription.h"
#include "server/validation.h"
#include "storage/status_macros.h"

namespace pulse::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share their numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

AnalyticsService::AnalyticsService(const ServiceDeps& deps)
    : deps_(deps), reader_(*deps.reader) {}

grpc::ServerUnaryReactor* RunUnaryOnPool(WorkerPool* pool,
                                         ServerMetrics* metrics,
                                         grpc::CallbackServerContext* ctx,
                                         const char* method,
                                         std::function<absl::Status()> work,
                                         std::function<void()> on_refused) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time start = absl::Now();
  const bool queued =
      pool->Submit([reactor, method, start, metrics, work = std::move(work)] {
        const absl::Status status = work();
        metrics->RecordRpc(method, static_cast<int>(status.code()),
                           absl::Now() - start);
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!queued) {
    if (on_refused) on_refused();
    metrics->RecordRpc(method, grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::Now() - start);
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "server busy: the request queue is full; retry later"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* AnalyticsService::RunOnPool(
    grpc::CallbackServerContext* ctx, const char* method,
    std::function<absl::Status()> work) {
  return RunUnaryOnPool(deps_.pool, deps_.metrics, ctx, method,
                        std::move(work));
}

grpc::ServerUnaryReactor* AnalyticsService::FinishNow(
    grpc::CallbackServerContext* ctx, const char* method, absl::Time start,
    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  deps_.metrics->RecordRpc(method, static_cast<int>(status.code()),
                           absl::Now() - start);
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::StatusOr<v1::IngestResponse> AnalyticsService::IngestBatch(
    const v1::IngestRequest& request) {
  const absl::Time start = absl::Now();
  PULSE_ASSIGN_OR_RETURN(
      ValidatedBatch batch,
      ValidateIngest(request, deps_.max_batch_items, deps_.clock->Now()));
  PULSE_ASSIGN_OR_RETURN(storage::WriteResult result,
                         deps_.store->Write(batch.input));

  v1::IngestResponse response;
  if (result.duplicate_batch) {
    response.set_duplicate_batch(true);
    return response;
  }
  deps_.boards->Record(result.applied);
  deps_.changes->Publish(batch.input, result);
  deps_.metrics->RecordIngest(result.engagements_written,
                              result.posts_written +
                                  result.engagements_written +
                                  result.follows_written,
                              absl::Now() - start);

  response.set_accepted(result.posts_written + result.engagements_written +
                        result.follows_written);
  response.set_duplicates(static_cast<int>(result.duplicate_engagements.size() +
                                           result.duplicate_follows.size()));
  response.set_rejected(static_cast<int>(batch.rejected.size()));
  for (v1::RejectedItem& item : batch.rejected) {
    *response.add_rejected_items() = std::move(item);
  }
  response.set_unknown_post_engagements(
      static_cast<int>(result.unknown_post_engagements.size()));
  for (int i : result.unknown_post_engagements) {
    response.add_unknown_post_indices(batch.engagement_index[i]);
  }
  return response;
}

grpc::ServerUnaryReactor* AnalyticsService::Ingest(
    grpc::CallbackServerContext* ctx, const v1::IngestRequest* request,
    v1::IngestResponse* response) {
  return RunOnPool(ctx, "Ingest", [this, request, response] {
    PULSE_ASSIGN_OR_RETURN(*response, IngestBatch(*request));
    return absl::OkStatus();
  });
}

grpc::ServerReadReactor<v1::IngestRequest>* AnalyticsService::IngestStream(
    grpc::CallbackServerContext* /*ctx*/, v1::IngestStreamResponse* response) {
  return new IngestStreamReactor(this, response);
}

grpc::ServerUnaryReactor* AnalyticsService::GetPostStats(
    grpc::CallbackServerContext* ctx, const v1::GetPostStatsRequest* request,
    v1::PostStats* response) {
  return RunOnPool(ctx, "GetPostStats", [this, request, response] {
    PULSE_RETURN_IF_ERROR(ValidateId(request->post_id(), "post_id"));
    PULSE_ASSIGN_OR_RETURN(*response, reader_.PostStats(request->post_id()));
    if (!response->known() && response->impressions() == 0 &&
        response->engagements() == 0) {
      return absl::NotFoundError(absl::StrCat(
          "post_id: no post '", request->post_id(), "' is stored"));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AnalyticsService::BatchGetPostStats(
    grpc::CallbackServerContext* ctx,
    const v1::BatchGetPostStatsRequest* request,
    v1::BatchGetPostStatsResponse* response) {
  return RunOnPool(ctx, "BatchGetPostStats", [this, request, response] {
    PULSE_RETURN_IF_ERROR(ValidateBatchGet(*request));
    for (const std::string& id : request->post_ids()) {
      PULSE_ASSIGN_OR_RETURN(*response->add_posts(), reader_.PostStats(id));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AnalyticsService::GetAccountStats(
    grpc::CallbackServerContext* ctx, const v1::GetAccountStatsRequest* request,
    v1::AccountStats* response) {
  return RunOnPool(ctx, "GetAccountStats", [this, request, response] {
    PULSE_RETURN_IF_ERROR(ValidateAccountStats(*request));
    PULSE_ASSIGN_OR_RETURN(*response, reader_.AccountStats(*request));
    if (response->posts() == 0 && response->impressions() == 0 &&
        response->engagements() == 0 && response->followers() == 0) {
      return absl::NotFoundError(
          absl::StrCat("account_id: nothing is stored for account '",
                       request->account_id(), "'"));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AnalyticsService::GetHashtagStats(
    grpc::CallbackServerContext* ctx, const v1::GetHashtagStatsRequest* request,
    v1::HashtagStats* response) {
  return RunOnPool(ctx, "GetHashtagStats", [this, request, response] {
    PULSE_RETURN_IF_ERROR(ValidateId(request->hashtag(), "hashtag"));
    PULSE_ASSIGN_OR_RETURN(*response, reader_.HashtagStats(request->hashtag()));
    if (response->posts() == 0 && response->impressions() == 0 &&
        response->engagements() == 0) {
      return absl::NotFoundError(absl::StrCat(
          "hashtag: nothing is stored for hashtag '", request->hashtag(), "'"));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AnalyticsService::GetGlobalStats(
    grpc::CallbackServerContext* ctx,
    const v1::GetGlobalStatsRequest* /*request*/, v1::GlobalStats* response) {
  return RunOnPool(ctx, "GetGlobalStats", [this, response] {
    PULSE_ASSIGN_OR_RETURN(*response, reader_.GlobalStats());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AnalyticsService::QueryTimeSeries(
    grpc::CallbackServerContext* ctx, const v1::QueryTimeSeriesRequest* request,
    v1::QueryTimeSeriesResponse* response) {
  return RunOnPool(ctx, "QueryTimeSeries", [this, request, response] {
    PULSE_RETURN_IF_ERROR(ValidateTimeSeries(*request, deps_.clock->Now()));
    PULSE_ASSIGN_OR_RETURN(*response, reader_.TimeSeries(*request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AnalyticsService::TopPosts(
    grpc::CallbackServerContext* ctx, const v1::TopPostsRequest* request,
    v1::TopPostsResponse* response) {
  // In memory and bounded: answered on the callback thread.
  const absl::Time start = absl::Now();
  absl::Status status = ValidateTopPosts(*request, deps_.boards->windows());
  if (status.ok()) *response = deps_.boards->TopPosts(*request);
  return FinishNow(ctx, "TopPosts", start, status);
}

grpc::ServerUnaryReactor* AnalyticsService::TrendingHashtags(
    grpc::CallbackServerContext* ctx,
    const v1::TrendingHashtagsRequest* request,
    v1::TrendingHashtagsResponse* response) {
  const absl::Time start = absl::Now();
  absl::Status status = ValidateTrending(*request, deps_.boards->windows());
  if (status.ok()) *response = deps_.boards->Trending(*request);
  return FinishNow(ctx, "TrendingHashtags", start, status);
}

grpc::ServerWriteReactor<v1::Update>* AnalyticsService::Subscribe(
    grpc::CallbackServerContext* /*ctx*/, const v1::SubscribeRequest* request) {
  return new Subscription(deps_.hub, request);
}

}  // namespace pulse::server
