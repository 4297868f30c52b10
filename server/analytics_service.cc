#include "server/analytics_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "server/ingest_stream_reactor.h"
#include "server/scope.h"
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

namespace {

// The payload of RetryLaterError: milliseconds to wait, as text.
constexpr absl::string_view kRetryAfterPayload = "pulse.retry_after_ms";

}  // namespace

absl::Status RetryLaterError(absl::string_view message, absl::Duration wait) {
  const int64_t ms = std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(message, "; retry in ", ms, " ms"));
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(ms)));
  return status;
}

void AddRetryAfter(const absl::Status& status, grpc::ServerContextBase* ctx) {
  if (absl::optional<absl::Cord> ms = status.GetPayload(kRetryAfterPayload)) {
    ctx->AddTrailingMetadata("retry-after-ms", std::string(*ms));
  }
}

grpc::ServerUnaryReactor* FinishUnary(ServerMetrics* metrics,
                                      grpc::CallbackServerContext* ctx,
                                      const char* method, absl::Time start,
                                      const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  metrics->RecordRpc(method, static_cast<int>(status.code()),
                     absl::Now() - start);
  AddRetryAfter(status, ctx);
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* RunUnaryOnPool(WorkerPool* pool,
                                         ServerMetrics* metrics,
                                         grpc::CallbackServerContext* ctx,
                                         const char* method,
                                         std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const absl::Time start = absl::Now();
  const bool queued = pool->Submit(
      [reactor, ctx, method, start, metrics, work = std::move(work)] {
        const absl::Status status = work();
        metrics->RecordRpc(method, static_cast<int>(status.code()),
                           absl::Now() - start);
        AddRetryAfter(status, ctx);
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!queued) {
    metrics->RecordRpc(method, grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::Now() - start);
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "server busy: the request queue is full; retry later"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* AnalyticsService::RunOnPool(
    grpc::CallbackServerContext* ctx, const char* method, Role needed,
    std::function<absl::Status(const Principal& who)> work) {
  absl::StatusOr<std::shared_ptr<const Principal>> who =
      deps_.auth->Authorize(*ctx, needed, method);
  if (!who.ok()) {
    return FinishUnary(deps_.metrics, ctx, method, absl::Now(), who.status());
  }
  return RunUnaryOnPool(
      deps_.pool, deps_.metrics, ctx, method,
      [who = *std::move(who), work = std::move(work)] { return work(*who); });
}

grpc::ServerUnaryReactor* AnalyticsService::RunNow(
    grpc::CallbackServerContext* ctx, const char* method, Role needed,
    const std::function<absl::Status(const Principal& who)>& work) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::shared_ptr<const Principal>> who =
      deps_.auth->Authorize(*ctx, needed, method);
  const absl::Status status = who.ok() ? work(**who) : who.status();
  return FinishUnary(deps_.metrics, ctx, method, start, status);
}

absl::StatusOr<AnalyticsService::StoredBatch> AnalyticsService::StoreBatch(
    const Principal& who, const v1::IngestRequest& request) {
  StoredBatch stored;
  stored.start = absl::Now();
  // A stream's batches are checked against a reload since it started.
  if (who.revoked()) return RevokedError("IngestStream");
  // Validation first: it bounds the batch (--max_batch_items) before the
  // scope check looks posts up.
  PULSE_ASSIGN_OR_RETURN(
      stored.batch,
      ValidateIngest(request, deps_.max_batch_items, deps_.clock->Now()));
  PULSE_RETURN_IF_ERROR(
      CheckIngestScope(who, request, stored.batch.input, *deps_.store));
  if (who.state != nullptr) {
    const int64_t items = request.posts_size() + request.engagements_size() +
                          request.follows_size();
    if (absl::Duration wait = who.state->ingest.Take(items, stored.start);
        wait > absl::ZeroDuration()) {
      return RetryLaterError(
          absl::StrCat("ingest rate limit of ",
                       deps_.auth->limits().ingest_rate_per_token,
                       " items/s for this token exceeded "
                       "(--ingest_rate_per_token)"),
          wait);
    }
  }
  PULSE_ASSIGN_OR_RETURN(stored.result, deps_.store->Write(stored.batch.input));

  const storage::WriteResult& result = stored.result;
  v1::IngestResponse& response = stored.response;
  if (result.duplicate_batch) {
    response.set_duplicate_batch(true);
    return stored;
  }
  response.set_accepted(result.posts_written + result.engagements_written +
                        result.follows_written);
  response.set_duplicates(static_cast<int>(result.duplicate_engagements.size() +
                                           result.duplicate_follows.size()));
  response.set_rejected(static_cast<int>(stored.batch.rejected.size()));
  for (const v1::RejectedItem& item : stored.batch.rejected) {
    *response.add_rejected_items() = item;
  }
  response.set_unknown_post_engagements(
      static_cast<int>(result.unknown_post_engagements.size()));
  for (int i : result.unknown_post_engagements) {
    response.add_unknown_post_indices(stored.batch.engagement_index[i]);
  }
  return stored;
}

void AnalyticsService::PublishBatch(const StoredBatch& stored) {
  const storage::WriteResult& result = stored.result;
  if (result.duplicate_batch) return;
  deps_.boards->Record(result.applied);
  if (result.new_posts > 0 || !result.replaced_posts.empty()) {
    deps_.boards->UpdatePosts(stored.batch.input.posts);
  }
  deps_.changes->Publish(stored.batch.input, result);
  deps_.metrics->RecordIngest(result.engagements_written,
                              result.posts_written +
                                  result.engagements_written +
                                  result.follows_written,
                              absl::Now() - stored.start);
}

absl::StatusOr<v1::IngestResponse> AnalyticsService::IngestBatch(
    const Principal& who, const v1::IngestRequest& request) {
  PULSE_ASSIGN_OR_RETURN(StoredBatch stored, StoreBatch(who, request));
  PublishBatch(stored);
  return std::move(stored.response);
}

grpc::ServerUnaryReactor* AnalyticsService::Ingest(
    grpc::CallbackServerContext* ctx, const v1::IngestRequest* request,
    v1::IngestResponse* response) {
  return RunOnPool(ctx, "Ingest", Role::kIngest,
                   [this, request, response](const Principal& who) {
                     PULSE_ASSIGN_OR_RETURN(*response,
                                            IngestBatch(who, *request));
                     return absl::OkStatus();
                   });
}

grpc::ServerReadReactor<v1::IngestRequest>* AnalyticsService::IngestStream(
    grpc::CallbackServerContext* ctx, v1::IngestStreamResponse* response) {
  return new IngestStreamReactor(this, ctx, response);
}

grpc::ServerUnaryReactor* AnalyticsService::GetPostStats(
    grpc::CallbackServerContext* ctx, const v1::GetPostStatsRequest* request,
    v1::PostStats* response) {
  return RunOnPool(
      ctx, "GetPostStats", Role::kRead,
      [this, request, response](const Principal& who) {
        PULSE_RETURN_IF_ERROR(ValidateId(request->post_id(), "post_id"));
        PULSE_ASSIGN_OR_RETURN(*response,
                               reader_.PostStats(request->post_id()));
        PULSE_RETURN_IF_ERROR(CheckPost(who, *response, "post_id"));
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
  return RunOnPool(ctx, "BatchGetPostStats", Role::kRead,
                   [this, request, response](const Principal& who) {
                     PULSE_RETURN_IF_ERROR(ValidateBatchGet(*request));
                     for (int i = 0; i < request->post_ids_size(); ++i) {
                       v1::PostStats* stats = response->add_posts();
                       PULSE_ASSIGN_OR_RETURN(
                           *stats, reader_.PostStats(request->post_ids(i)));
                       PULSE_RETURN_IF_ERROR(CheckPost(
                           who, *stats, absl::StrCat("post_ids[", i, "]")));
                     }
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* AnalyticsService::GetAccountStats(
    grpc::CallbackServerContext* ctx, const v1::GetAccountStatsRequest* request,
    v1::AccountStats* response) {
  return RunOnPool(
      ctx, "GetAccountStats", Role::kRead,
      [this, request, response](const Principal& who) {
        PULSE_RETURN_IF_ERROR(ValidateAccountStats(*request));
        PULSE_RETURN_IF_ERROR(
            CheckAccount(who, request->account_id(), "account_id"));
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
  return RunOnPool(
      ctx, "GetHashtagStats", Role::kRead,
      [this, request, response](const Principal& who) {
        const std::string hashtag = HashtagName(request->hashtag());
        PULSE_RETURN_IF_ERROR(ValidateId(hashtag, "hashtag"));
        PULSE_RETURN_IF_ERROR(CheckUnscoped(who, "hashtag"));
        PULSE_ASSIGN_OR_RETURN(*response, reader_.HashtagStats(hashtag));
        if (response->posts() == 0 && response->impressions() == 0 &&
            response->engagements() == 0) {
          return absl::NotFoundError(absl::StrCat(
              "hashtag: nothing is stored for hashtag '", hashtag, "'"));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsService::GetGlobalStats(
    grpc::CallbackServerContext* ctx,
    const v1::GetGlobalStatsRequest* /*request*/, v1::GlobalStats* response) {
  return RunOnPool(ctx, "GetGlobalStats", Role::kRead,
                   [this, response](const Principal& who) {
                     PULSE_RETURN_IF_ERROR(CheckUnscoped(who, "global totals"));
                     PULSE_ASSIGN_OR_RETURN(*response, reader_.GlobalStats());
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* AnalyticsService::QueryTimeSeries(
    grpc::CallbackServerContext* ctx, const v1::QueryTimeSeriesRequest* request,
    v1::QueryTimeSeriesResponse* response) {
  return RunOnPool(
      ctx, "QueryTimeSeries", Role::kRead,
      [this, request, response](const Principal& who) {
        PULSE_RETURN_IF_ERROR(ValidateTimeSeries(*request, deps_.clock->Now()));
        PULSE_RETURN_IF_ERROR(
            CheckTimeSeriesScope(who, *request, *deps_.store));
        PULSE_ASSIGN_OR_RETURN(*response, reader_.TimeSeries(*request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsService::TopPosts(
    grpc::CallbackServerContext* ctx, const v1::TopPostsRequest* request,
    v1::TopPostsResponse* response) {
  // In memory and bounded: answered on the callback thread.
  return RunNow(ctx, "TopPosts", Role::kRead,
                [this, request, response](const Principal& who) {
                  PULSE_RETURN_IF_ERROR(
                      ValidateTopPosts(*request, deps_.boards->windows()));
                  if (!request->account_id().empty()) {
                    PULSE_RETURN_IF_ERROR(
                        CheckAccount(who, request->account_id(), "account_id"));
                  }
                  PULSE_ASSIGN_OR_RETURN(
                      *response,
                      deps_.boards->TopPosts(*request, &who.accounts));
                  return absl::OkStatus();
                });
}

grpc::ServerUnaryReactor* AnalyticsService::TrendingHashtags(
    grpc::CallbackServerContext* ctx,
    const v1::TrendingHashtagsRequest* request,
    v1::TrendingHashtagsResponse* response) {
  return RunNow(ctx, "TrendingHashtags", Role::kRead,
                [this, request, response](const Principal& who) {
                  PULSE_RETURN_IF_ERROR(
                      ValidateTrending(*request, deps_.boards->windows()));
                  PULSE_RETURN_IF_ERROR(CheckUnscoped(who, "trending"));
                  PULSE_ASSIGN_OR_RETURN(*response,
                                         deps_.boards->Trending(*request));
                  return absl::OkStatus();
                });
}

grpc::ServerWriteReactor<v1::Update>* AnalyticsService::Subscribe(
    grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* request) {
  return new Subscription(deps_.hub, deps_.metrics, request,
                          deps_.auth->Authorize(*ctx, Role::kRead, "Subscribe"),
                          deps_.auth->limits().max_subscriptions_per_token);
}

}  // namespace pulse::server
