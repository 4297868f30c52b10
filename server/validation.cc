#include "server/validation.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "server/proto_time.h"
#include "storage/status_macros.h"

namespace pulse::server {
namespace {

// Why `ts` is not a time Pulse can store (nanos outside [0, 1e9), before
// 1970, when its buckets start), or empty.
std::string TimestampProblem(const google::protobuf::Timestamp& ts) {
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999) return "nanos out of range";
  if (ts.seconds() < 0) return "must not be before 1970-01-01";
  return "";
}

// Reasons are collected per item; the first problem of an item rejects it.
class ItemCheck {
 public:
  ItemCheck(std::string collection, int index)
      : collection_(std::move(collection)), index_(index) {}

  void Fail(const std::string& field, std::string reason) {
    if (failed_) return;
    failed_ = true;
    item_.set_collection(collection_);
    item_.set_index(index_);
    item_.set_field(absl::StrCat(collection_, "[", index_, "].", field));
    item_.set_reason(std::move(reason));
  }
  void RequireId(const std::string& value, const std::string& field) {
    if (value.empty()) {
      Fail(field, "must not be empty");
    } else if (value.size() > kMaxIdBytes) {
      Fail(field,
           absl::StrCat("is ", value.size(), " bytes; at most ", kMaxIdBytes));
    }
  }
  void OptionalId(const std::string& value, const std::string& field) {
    if (value.size() > kMaxIdBytes) {
      Fail(field,
           absl::StrCat("is ", value.size(), " bytes; at most ", kMaxIdBytes));
    }
  }
  // Returns the time, `now` when unset.
  absl::Time Time(bool has, const google::protobuf::Timestamp& ts,
                  const std::string& field, absl::Time now) {
    if (!has) return now;
    if (std::string problem = TimestampProblem(ts); !problem.empty()) {
      Fail(field, std::move(problem));
      return now;
    }
    const absl::Time t = FromProto(ts);
    if (t > now + kMaxClockSkew) {
      Fail(field, absl::StrCat("is ", absl::FormatDuration(t - now),
                               " in the future; at most 5m allowed"));
    }
    return t;
  }
  bool failed() const { return failed_; }
  v1::RejectedItem item() const { return item_; }

 private:
  std::string collection_;
  int index_;
  bool failed_ = false;
  v1::RejectedItem item_;
};

std::string Join(const std::vector<absl::Duration>& windows) {
  return absl::StrJoin(windows, ", ", [](std::string* out, absl::Duration d) {
    out->append(absl::FormatDuration(d));
  });
}

absl::Status CheckWindow(bool has, const google::protobuf::Duration& window,
                         const std::vector<absl::Duration>& windows,
                         const std::string& field) {
  const absl::Duration d = has ? FromProto(window) : absl::Hours(1);
  if (std::find(windows.begin(), windows.end(), d) == windows.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", absl::FormatDuration(d),
        " is not one of the configured windows (", Join(windows), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckLimit(int32_t limit, const std::string& field) {
  if (limit < 0 || limit > kMaxBoardLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", limit, " is out of range [0, ", kMaxBoardLimit, "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckMetric(v1::Metric metric, bool per_post,
                         const std::string& field) {
  if (!v1::Metric_IsValid(metric)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": unknown value ", static_cast<int>(metric)));
  }
  if (per_post && (metric == v1::FOLLOWERS || metric == v1::POSTS)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", v1::Metric_Name(metric), " is not a per-post metric"));
  }
  return absl::OkStatus();
}

storage::Slot ToSlot(v1::EngagementKind kind) {
  switch (kind) {
    case v1::LIKE:
      return storage::kLikes;
    case v1::SHARE:
      return storage::kShares;
    case v1::COMMENT:
      return storage::kComments;
    case v1::CLICK:
      return storage::kClicks;
    default:
      return storage::kImpressions;
  }
}

// TimestampProblem, and past what a Timestamp holds (9999-12-31): a query's
// times are not bounded by the clock as an event's are.
absl::Status CheckTimestamp(const google::protobuf::Timestamp& ts,
                            absl::string_view field) {
  if (std::string problem = TimestampProblem(ts); !problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
  }
  if (ts.seconds() > google::protobuf::util::TimeUtil::kTimestampMaxSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be after 9999-12-31"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ValidatedBatch> ValidateIngest(const v1::IngestRequest& request,
                                              int max_batch_items,
                                              absl::Time now) {
  const int items = request.posts_size() + request.engagements_size() +
                    request.follows_size();
  if (items > max_batch_items) {
    return absl::InvalidArgumentError(
        absl::StrCat("posts + engagements + follows: the batch has ", items,
                     " items; at most ", max_batch_items,
                     " (--max_batch_items) are allowed"));
  }
  if (request.producer_id().size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("producer_id: at most ", kMaxIdBytes, " bytes"));
  }
  const bool producer = !request.producer_id().empty();
  if (producer && request.sequence() == 0) {
    return absl::InvalidArgumentError(
        "sequence: must be >= 1 when producer_id is set");
  }

  ValidatedBatch out;
  out.input.producer_id = request.producer_id();
  out.input.sequence = request.sequence();

  for (int i = 0; i < request.posts_size(); ++i) {
    const v1::Post& p = request.posts(i);
    ItemCheck check("posts", i);
    check.RequireId(p.post_id(), "post_id");
    check.RequireId(p.account_id(), "account_id");
    check.OptionalId(p.platform(), "platform");
    if (p.hashtags_size() > kMaxHashtags) {
      check.Fail("hashtags", absl::StrCat("has ", p.hashtags_size(),
                                          " hashtags; at most ", kMaxHashtags));
    }
    storage::PostMeta meta;
    for (int h = 0; h < p.hashtags_size(); ++h) {
      std::string tag = HashtagName(p.hashtags(h));
      check.RequireId(tag, absl::StrCat("hashtags[", h, "]"));
      if (std::find(meta.hashtags.begin(), meta.hashtags.end(), tag) ==
          meta.hashtags.end()) {
        meta.hashtags.push_back(std::move(tag));
      }
    }
    meta.published_at =
        check.Time(p.has_published_at(), p.published_at(), "published_at", now);
    meta.published_at_defaulted = !p.has_published_at();
    if (check.failed()) {
      out.rejected.push_back(check.item());
      continue;
    }
    meta.post_id = p.post_id();
    meta.account_id = p.account_id();
    meta.platform = p.platform();
    out.input.posts.push_back(std::move(meta));
  }

  for (int i = 0; i < request.engagements_size(); ++i) {
    const v1::Engagement& e = request.engagements(i);
    ItemCheck check("engagements", i);
    if (!producer && e.event_id().empty()) {
      check.Fail("event_id", "required when the batch has no producer_id");
    }
    check.OptionalId(e.event_id(), "event_id");
    check.RequireId(e.post_id(), "post_id");
    if (e.kind() == v1::ENGAGEMENT_KIND_UNSPECIFIED) {
      check.Fail("kind",
                 "must be set (IMPRESSION, LIKE, SHARE, COMMENT or CLICK)");
    } else if (!v1::EngagementKind_IsValid(e.kind())) {
      check.Fail("kind",
                 absl::StrCat("unknown value ", static_cast<int>(e.kind())));
    }
    check.OptionalId(e.user_id(), "user_id");
    if (e.count() > kMaxItemCount || e.count() < -kMaxItemCount) {
      check.Fail("count", absl::StrCat("must be within ±", kMaxItemCount));
    }
    const absl::Time t = check.Time(e.has_time(), e.time(), "time", now);
    if (check.failed()) {
      out.rejected.push_back(check.item());
      continue;
    }
    storage::EngagementEvent event;
    event.event_id = e.event_id();
    event.post_id = e.post_id();
    event.kind = ToSlot(e.kind());
    event.count = e.count() == 0 ? 1 : e.count();
    event.time = t;
    event.user_id = e.user_id();
    out.input.engagements.push_back(std::move(event));
    out.engagement_index.push_back(i);
  }

  for (int i = 0; i < request.follows_size(); ++i) {
    const v1::FollowChange& f = request.follows(i);
    ItemCheck check("follows", i);
    if (!producer && f.event_id().empty()) {
      check.Fail("event_id", "required when the batch has no producer_id");
    }
    check.OptionalId(f.event_id(), "event_id");
    check.RequireId(f.account_id(), "account_id");
    if (f.delta() == 0) check.Fail("delta", "must not be zero");
    if (f.delta() > kMaxItemCount || f.delta() < -kMaxItemCount) {
      check.Fail("delta", absl::StrCat("must be within ±", kMaxItemCount));
    }
    const absl::Time t = check.Time(f.has_time(), f.time(), "time", now);
    if (check.failed()) {
      out.rejected.push_back(check.item());
      continue;
    }
    out.input.follows.push_back(
        storage::FollowEvent{f.event_id(), f.account_id(), f.delta(), t});
    out.follow_index.push_back(i);
  }

  if (items > 0 && static_cast<int>(out.rejected.size()) == items) {
    const v1::RejectedItem& first = out.rejected.front();
    return absl::InvalidArgumentError(
        absl::StrCat(first.field(), ": ", first.reason(), " (all ", items,
                     " items of the batch were rejected)"));
  }
  return out;
}

absl::Status ValidateId(const std::string& value, const std::string& field) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty"));
  }
  if (value.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateBatchGet(const v1::BatchGetPostStatsRequest& request) {
  if (request.post_ids_size() == 0) {
    return absl::InvalidArgumentError("post_ids: must not be empty");
  }
  if (request.post_ids_size() > kMaxBatchGet) {
    return absl::InvalidArgumentError(absl::StrCat(
        "post_ids: ", request.post_ids_size(), " ids; at most ", kMaxBatchGet));
  }
  for (int i = 0; i < request.post_ids_size(); ++i) {
    absl::Status s =
        ValidateId(request.post_ids(i), absl::StrCat("post_ids[", i, "]"));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateAccountStats(const v1::GetAccountStatsRequest& request) {
  absl::Status s = ValidateId(request.account_id(), "account_id");
  if (!s.ok()) return s;
  if (request.has_growth_window()) {
    const absl::Duration d = FromProto(request.growth_window());
    if (d <= absl::ZeroDuration() || d > absl::Hours(24 * 400)) {
      return absl::InvalidArgumentError(
          "growth_window: must be positive and at most 400 days");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTimeSeries(const v1::QueryTimeSeriesRequest& request,
                                absl::Time now) {
  using R = v1::QueryTimeSeriesRequest;
  switch (request.entity_case()) {
    case R::kPostId: {
      absl::Status s = ValidateId(request.post_id(), "post_id");
      if (!s.ok()) return s;
      break;
    }
    case R::kAccountId: {
      absl::Status s = ValidateId(request.account_id(), "account_id");
      if (!s.ok()) return s;
      break;
    }
    case R::kHashtag: {
      absl::Status s = ValidateId(HashtagName(request.hashtag()), "hashtag");
      if (!s.ok()) return s;
      break;
    }
    case R::kGlobal:
      if (!request.global()) {
        return absl::InvalidArgumentError("global: must be true when set");
      }
      break;
    default:
      return absl::InvalidArgumentError(
          "entity: one of post_id, account_id, hashtag or global must be set");
  }
  absl::Status s =
      CheckMetric(request.metric(), request.has_post_id(), "metric");
  if (!s.ok()) return s;
  if (request.has_hashtag() && request.metric() == v1::FOLLOWERS) {
    return absl::InvalidArgumentError(
        "metric: FOLLOWERS is not a hashtag metric (accounts have followers)");
  }
  if (!v1::Resolution_IsValid(request.resolution())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resolution: unknown value ", static_cast<int>(request.resolution())));
  }
  if (!request.has_start_time()) {
    return absl::InvalidArgumentError("start_time: required");
  }
  PULSE_RETURN_IF_ERROR(CheckTimestamp(request.start_time(), "start_time"));
  if (request.has_end_time()) {
    PULSE_RETURN_IF_ERROR(CheckTimestamp(request.end_time(), "end_time"));
  }
  const absl::Time start = FromProto(request.start_time());
  const absl::Time end =
      request.has_end_time() ? FromProto(request.end_time()) : now;
  if (end <= start) {
    return absl::InvalidArgumentError(
        request.has_end_time()
            ? "end_time: must be after start_time"
            : "start_time: must be before now (end_time, not set, is now)");
  }
  const storage::Resolution res = ToStorage(request.resolution());
  absl::Duration rem;  // this Abseil writes *rem unconditionally
  const int64_t points =
      absl::IDivDuration(
          end - storage::BucketStart(res, start) - absl::Nanoseconds(1),
          storage::BucketWidth(res), &rem) +
      1;
  if (points > kMaxSeriesPoints) {
    return absl::InvalidArgumentError(absl::StrCat(
        request.has_end_time() ? "end_time"
                               : "start_time (end_time, not set, is now)",
        ": the range holds ", points, " buckets at ",
        v1::Resolution_Name(request.resolution()), "; at most ",
        kMaxSeriesPoints, " (use a coarser resolution)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateTopPosts(const v1::TopPostsRequest& request,
                              const std::vector<absl::Duration>& windows,
                              const std::string& prefix) {
  absl::Status s = CheckWindow(request.has_window(), request.window(), windows,
                               prefix + "window");
  if (s.ok()) s = CheckMetric(request.metric(), true, prefix + "metric");
  if (s.ok()) s = CheckLimit(request.limit(), prefix + "limit");
  // Both optional: empty means no filter.
  if (s.ok() && !request.account_id().empty()) {
    s = ValidateId(request.account_id(), prefix + "account_id");
  }
  if (s.ok() && !request.hashtag().empty()) {
    const std::string hashtag = HashtagName(request.hashtag());
    s = hashtag.empty()
            ? absl::InvalidArgumentError(prefix + "hashtag: is only '#'")
            : ValidateId(hashtag, prefix + "hashtag");
  }
  return s;
}

absl::Status ValidateTrending(const v1::TrendingHashtagsRequest& request,
                              const std::vector<absl::Duration>& windows,
                              const std::string& prefix) {
  absl::Status s = CheckWindow(request.has_window(), request.window(), windows,
                               prefix + "window");
  if (s.ok()) s = CheckMetric(request.metric(), true, prefix + "metric");
  if (s.ok()) s = CheckLimit(request.limit(), prefix + "limit");
  if (s.ok() && request.min_count() < 0) {
    s = absl::InvalidArgumentError(prefix + "min_count: must not be negative");
  }
  return s;
}

storage::Resolution ToStorage(v1::Resolution resolution) {
  switch (resolution) {
    case v1::SECOND:
      return storage::Resolution::kSecond;
    case v1::HOUR:
      return storage::Resolution::kHour;
    case v1::DAY:
      return storage::Resolution::kDay;
    default:
      return storage::Resolution::kMinute;
  }
}

}  // namespace pulse::server
