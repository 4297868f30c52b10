#include "server/boards.h"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/log.h"
#include "server/proto_time.h"
#include "server/validation.h"

namespace pulse::server {
namespace {

using storage::Counts;

// Posts slide in 60 steps: a 1 h window moves by the minute.
constexpr int kSlots = 60;

// Distinct Trending requests remembered; past it the memo starts over.
constexpr size_t kMaxTrendingMemos = 64;

// The activity resolution a window rebuilds from. Minutes when its steps are
// whole minutes: each minute bucket then falls in one step, and there are up
// to 60 times fewer buckets to read than seconds. Also minutes when seconds
// would not reach back far enough (they are kept 2 h by default, and the
// trending window before a window is as long again); a bucket then counts in
// the step of its minute's start. Seconds otherwise.
storage::Resolution RebuildResolution(absl::Duration length) {
  const absl::Duration step = length / kSlots;
  return step % absl::Minutes(1) == absl::ZeroDuration() ||
                 length > absl::Hours(1)
             ? storage::Resolution::kMinute
             : storage::Resolution::kSecond;
}

// The longest duration that divides every window's step: events whose times
// fall in one grain fall in one step of every window. 1 ns when a step is
// not a whole number of nanoseconds (event times are whole nanoseconds).
absl::Duration GrainOf(const std::vector<absl::Duration>& lengths) {
  int64_t grain = 0;
  for (absl::Duration length : lengths) {
    const int64_t step = absl::ToInt64Nanoseconds(length / kSlots);
    if (step <= 0 || absl::Nanoseconds(step) * kSlots != length)
      return absl::Nanoseconds(1);
    grain = std::gcd(grain, step);
  }
  return absl::Nanoseconds(std::max<int64_t>(grain, 1));
}

}  // namespace

Boards::Boards(std::vector<absl::Duration> windows, const storage::Clock* clock)
    : clock_(clock), lengths_(std::move(windows)) {
  std::sort(lengths_.begin(), lengths_.end());
  lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
  grain_ = GrainOf(lengths_);
  windows_ = MakeWindows();
}

Boards::~Boards() {
  {
    // Under status_mu_: wakes a rebuild waiting to retry.
    absl::MutexLock lock(&status_mu_);
    cancel_ = true;
  }
  if (rebuild_thread_.joinable()) rebuild_thread_.join();
}

std::vector<Boards::Windows> Boards::MakeWindows() const {
  std::vector<Windows> windows;
  for (absl::Duration length : lengths_) {
    windows.push_back(Windows{length,
                              SlidingWindow(length, kSlots),
                              SlidingWindow(length, kSlots),
                              SlidingWindow(2 * length, 2 * kSlots),
                              {}});
  }
  return windows;
}

void Boards::Record(const std::vector<storage::AppliedEngagement>& applied) {
  const absl::Time now = clock_->Now();
  // The batch is summed per (post, grain) and (hashtag, grain) first, outside
  // the lock: a batch repeats hot posts and most hashtags, and each sum then
  // costs the windows' large maps one update instead of one per engagement.
  struct Sum {
    absl::string_view id;
    absl::Time time;  // the grain's start: in the same step of every window
    Counts delta;
    const storage::AppliedEngagement* first;
  };
  using Key = std::pair<absl::string_view, int64_t>;  // (id, grain number)
  std::vector<Sum> posts, tags;
  absl::flat_hash_map<Key, size_t> post_at, tag_at;
  auto add = [](std::vector<Sum>& sums, absl::flat_hash_map<Key, size_t>& at,
                absl::string_view id, int64_t number, absl::Time time,
                const storage::AppliedEngagement& e) {
    auto [it, inserted] = at.try_emplace(Key(id, number), sums.size());
    if (inserted) sums.push_back(Sum{id, time, Counts{}, &e});
    sums[it->second].delta[e.kind] += e.count;
  };
  for (const storage::AppliedEngagement& e : applied) {
    absl::Duration rem;  // this Abseil writes *rem unconditionally
    const int64_t number =
        absl::IDivDuration(e.time - absl::UnixEpoch(), grain_, &rem);
    const absl::Time time = absl::UnixEpoch() + number * grain_;
    add(posts, post_at, e.post_id, number, time, e);
    for (const std::string& tag : e.hashtags)
      add(tags, tag_at, tag, number, time, e);
  }

  absl::MutexLock lock(&mu_);
  // What left the windows goes now, a step at a time, not all at the next
  // read: a server whose boards nobody reads would otherwise keep every post
  // and hashtag it was sent.
  AdvanceLocked(now);
  for (const Sum& p : posts) {
    bool counted = false;
    for (Windows& w : windows_) {
      if (!w.posts.Add(now, p.time, p.id, p.delta)) continue;
      counted = true;
      for (TopCandidates& top : w.tops) {
        if (MetricValue(top.metric(), p.delta) > 0)
          top.Grew(w.posts.sums(), p.first->post_id);
      }
    }
    const storage::AppliedEngagement& e = *p.first;
    if (counted && !e.account_id.empty()) {
      auto& info = post_info_[e.post_id];
      // A post sent again may have moved, or been given other hashtags.
      if (info == nullptr || info->account_id != e.account_id ||
          info->hashtags != e.hashtags) {
        info = std::make_shared<const PostInfo>(
            PostInfo{e.account_id, e.hashtags});
      }
    }
  }
  for (const Sum& t : tags) {
    for (Windows& w : windows_) {
      w.hashtags.Add(now, t.time, t.id, t.delta);
      w.hashtags_double.Add(now, t.time, t.id, t.delta);
    }
  }
}

void Boards::UpdatePosts(const std::vector<storage::PostMeta>& posts) {
  absl::MutexLock lock(&mu_);
  for (const storage::PostMeta& p : posts) {
    // Only posts the boards hold: the others are read from the store when
    // they are first engaged with. One engaged with before its metadata
    // came has none yet; it gets this, as a rebuild would read it. (A post
    // sent again during a rebuild that only the rebuild holds keeps the
    // metadata the rebuild read.)
    auto it = post_info_.find(p.post_id);
    if (it == post_info_.end()) {
      if (windows_.empty() ||
          !windows_.back().posts.sums().contains(p.post_id)) {
        continue;
      }
      it = post_info_.emplace(p.post_id, nullptr).first;
    } else if (it->second->account_id == p.account_id &&
               it->second->hashtags == p.hashtags) {
      continue;
    }
    it->second =
        std::make_shared<const PostInfo>(PostInfo{p.account_id, p.hashtags});
  }
}

void Boards::Advance(absl::Time now, std::vector<Windows>& windows,
                     PostInfoMap& post_info) {
  for (Windows& w : windows) {
    w.hashtags.Advance(now);
    w.hashtags_double.Advance(now);
    std::vector<std::string> rose;
    std::vector<std::string> gone = w.posts.Advance(now, &rose);
    for (TopCandidates& top : w.tops) {
      for (const std::string& post_id : rose) top.Grew(w.posts.sums(), post_id);
    }
    if (&w != &windows.back()) continue;
    for (const std::string& post_id : gone) post_info.erase(post_id);
  }
}

size_t Boards::tracked_posts() const {
  absl::MutexLock lock(&mu_);
  return windows_.empty() ? 0 : windows_.back().posts.sums().size();
}

void Boards::AdvanceLocked(absl::Time now) {
  Advance(now, windows_, post_info_);
}

TopCandidates& Boards::TopsOf(Windows& w, v1::Metric metric) {
  for (TopCandidates& top : w.tops) {
    if (top.metric() == metric) return top;
  }
  return w.tops.emplace_back(metric);
}

Boards::Windows* Boards::FindLocked(absl::Duration length) {
  for (Windows& w : windows_) {
    if (w.length == length) return &w;
  }
  return nullptr;
}

absl::Status Boards::StartRebuild(const storage::Store& store) {
  if (rebuild_thread_.joinable())
    return absl::FailedPreconditionError("the boards were rebuilt already");
  absl::StatusOr<std::unique_ptr<storage::StoreSnapshot>> snapshot =
      store.TakeSnapshot();
  if (!snapshot.ok()) return snapshot.status();
  const absl::Time start = clock_->Now();
  {
    absl::MutexLock lock(&status_mu_);
    rebuilding_ = true;
    rebuild_start_ = absl::Now();
  }
  rebuild_thread_ = std::thread(
      [this, &store, snapshot = *std::move(snapshot), start]() mutable {
        NameThisThread("pulse-rebuild");
        RunRebuild(store, std::move(snapshot), start);
      });
  return absl::OkStatus();
}

absl::Status Boards::WaitForRebuild(absl::Duration timeout) {
  absl::MutexLock lock(&status_mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(status_mu_) {
    return !rebuilding_;
  };
  if (!status_mu_.AwaitWithTimeout(absl::Condition(&done), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("the boards are still being rebuilt after ",
                     absl::FormatDuration(absl::Now() - rebuild_start_)));
  }
  return rebuild_status_;
}

absl::Status Boards::Rebuild(const storage::Store& store) {
  if (absl::Status s = StartRebuild(store); !s.ok()) return s;
  return WaitForRebuild(absl::InfiniteDuration());
}

bool Boards::ready() const { return ReadyStatus().ok(); }

absl::Status Boards::ReadyStatus() const {
  absl::MutexLock lock(&status_mu_);
  if (rebuilding_) {
    return absl::UnavailableError(absl::StrCat(
        "the boards are being rebuilt from storage after start-up (for ",
        absl::FormatDuration(
            absl::Trunc(absl::Now() - rebuild_start_, absl::Milliseconds(100))),
        " so far",
        rebuild_failure_.ok()
            ? ""
            : absl::StrCat("; an attempt failed and is being retried: ",
                           rebuild_failure_.message()),
        "; pulse_boards_ready turns 1 when done): retry shortly"));
  }
  if (!rebuild_status_.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the boards could not be rebuilt from storage at start-up (",
        rebuild_status_.message(), "; tried ", rebuild_attempts_,
        " times): restart the server"));
  }
  return absl::OkStatus();
}

void Boards::RunRebuild(const storage::Store& store,
                        std::unique_ptr<storage::StoreSnapshot> snapshot,
                        absl::Time start) {
  if (rebuild_gate_ != nullptr) rebuild_gate_->WaitForNotification();
  std::vector<Windows> rebuilt;
  PostInfoMap rebuilt_info;
  absl::Status status;
  // A failed attempt (a read error) is retried on the same snapshot, so
  // that what was recorded live since it still counts once.
  for (int attempt = 1;; ++attempt) {
    rebuilt = MakeWindows();
    rebuilt_info.clear();
    status = RebuildAll(store, *snapshot, start, rebuilt, rebuilt_info);
    if (status.ok() && cancel_) status = absl::CancelledError("shutting down");
    if (status.ok() || absl::IsCancelled(status) ||
        attempt >= rebuild_attempts_) {
      break;
    }
    const absl::Duration delay = rebuild_retry_delay_ * (1 << (attempt - 1));
    Log(LogLevel::kError,
        absl::StrCat("boards rebuild attempt ", attempt, " of ",
                     rebuild_attempts_, " failed: ", status.ToString(),
                     "; retrying in ", absl::FormatDuration(delay)));
    absl::MutexLock lock(&status_mu_);
    rebuild_failure_ = status;
    status_mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::atomic<bool>* cancel) { return cancel->load(); },
            &cancel_),
        delay);
    if (cancel_) {
      status = absl::CancelledError("shutting down");
      break;
    }
  }
  snapshot.reset();  // compaction may drop what it pinned
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    // Live windows hold what was recorded since the snapshot: the rest. The
    // smaller set is added into the larger, which is kept.
    const absl::Time now = clock_->Now();
    Advance(now, rebuilt, rebuilt_info);
    AdvanceLocked(now);
    const bool keep_live = windows_.back().posts.sums().size() >
                           rebuilt.back().posts.sums().size();
    std::vector<Windows>& into = keep_live ? windows_ : rebuilt;
    const std::vector<Windows>& from = keep_live ? rebuilt : windows_;
    for (size_t i = 0; i < into.size(); ++i) {
      into[i].posts.Merge(now, from[i].posts);
      into[i].hashtags.Merge(now, from[i].hashtags);
      into[i].hashtags_double.Merge(now, from[i].hashtags_double);
      into[i].tops.clear();  // they would miss what was merged in
    }
    // Live metadata is the newer.
    if (keep_live) {
      for (auto& [post_id, info] : rebuilt_info)
        post_info_.try_emplace(post_id, std::move(info));
    } else {
      for (auto& [post_id, info] : post_info_)
        rebuilt_info.insert_or_assign(post_id, std::move(info));
      windows_ = std::move(rebuilt);
      post_info_ = std::move(rebuilt_info);
    }
    trending_memo_.clear();  // its versions are of the windows replaced
  }
  absl::MutexLock lock(&status_mu_);
  const absl::Duration took = absl::Now() - rebuild_start_;
  if (status.ok()) {
    Log(LogLevel::kInfo,
        absl::StrCat("boards rebuilt duration=", absl::FormatDuration(took)));
  } else if (!absl::IsCancelled(status)) {
    Log(LogLevel::kError,
        absl::StrCat(
            "boards rebuild failed after ",
            absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(1))),
            " and ", rebuild_attempts_, " attempts: ", status.ToString(),
            "; TopPosts and TrendingHashtags answer UNAVAILABLE "
            "until the server restarts"));
  }
  rebuild_status_ = status;
  rebuilding_ = false;
}

absl::Status Boards::RebuildWindow(const storage::Store& store,
                                   const storage::StoreSnapshot& snapshot,
                                   absl::Time now, Windows& w) {
  // From twice the length: the trending window before this one.
  return store.ScanActivity(
      RebuildResolution(w.length), now - 2 * w.length, now + absl::Minutes(10),
      [&](storage::Scope scope, absl::Time bucket, std::string_view id,
          const Counts& counts) {
        const absl::string_view key(id.data(), id.size());
        if (scope == storage::Scope::kPost) {
          w.posts.Add(now, bucket, key, counts);  // ignores the window before
        } else if (scope == storage::Scope::kHashtag) {
          w.hashtags.Add(now, bucket, key, counts);
          w.hashtags_double.Add(now, bucket, key, counts);
        }
        return !cancel_.load(std::memory_order_relaxed);
      },
      &snapshot);
}

absl::Status Boards::RebuildAll(const storage::Store& store,
                                const storage::StoreSnapshot& snapshot,
                                absl::Time now, std::vector<Windows>& windows,
                                PostInfoMap& post_info) {
  // Windows share nothing, so they rebuild side by side, longest first, each
  // from its own scan: the scans cost little next to the windows' hash-map
  // inserts, which one thread cannot overlap.
  const size_t threads = std::min<size_t>(
      windows.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<absl::Status> statuses(windows.size());
  std::atomic<size_t> next{0};
  // The longest window's posts are those whose metadata the boards keep:
  // read it while the other windows still rebuild.
  absl::Status post_info_status;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < windows.size();) {
      const size_t w = windows.size() - 1 - i;
      statuses[w] = RebuildWindow(store, snapshot, now, windows[w]);
      if (i == 0 && statuses[w].ok())
        post_info_status = LoadPostInfo(store, windows[w].posts, post_info);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) {
    helpers.emplace_back([&work] {
      NameThisThread("pulse-rebuild");
      work();
    });
  }
  work();
  for (std::thread& t : helpers) t.join();
  for (const absl::Status& s : statuses) {
    if (!s.ok()) return s;
  }
  return post_info_status;
}

absl::Status Boards::LoadPostInfo(const storage::Store& store,
                                  const SlidingWindow& posts,
                                  PostInfoMap& post_info) {
  std::vector<std::string_view> post_ids;
  post_ids.reserve(posts.sums().size());
  for (const auto& [post_id, counts] : posts.sums())
    post_ids.push_back(post_id);
  // Sorted, then read in chunks, so that a shutdown need not wait for all.
  std::sort(post_ids.begin(), post_ids.end());
  constexpr size_t kChunk = 10'000;
  std::vector<std::string_view> chunk;
  for (size_t i = 0; i < post_ids.size() && !cancel_; i += kChunk) {
    chunk.assign(post_ids.begin() + i,
                 post_ids.begin() + std::min(i + kChunk, post_ids.size()));
    absl::Status s = store.GetPosts(chunk, [&](const storage::PostMeta& meta) {
      post_info[meta.post_id] = std::make_shared<const PostInfo>(
          PostInfo{meta.account_id, meta.hashtags});
    });
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::TopPostsResponse> Boards::TopPosts(
    const v1::TopPostsRequest& request,
    const absl::flat_hash_set<std::string>* accounts) {
  if (absl::Status s = ReadyStatus(); !s.ok()) return s;
  const absl::Time now = clock_->Now();
  const absl::Duration length =
      request.has_window() ? FromProto(request.window()) : absl::Hours(1);
  const size_t limit = request.limit() > 0 ? request.limit() : 10;
  const v1::Metric metric = request.metric() == v1::METRIC_UNSPECIFIED
                                ? v1::ENGAGEMENTS
                                : request.metric();

  v1::TopPostsResponse response;
  *response.mutable_window() = ToProto(length);
  response.set_metric(metric);
  *response.mutable_as_of() = ToProto(now);

  absl::MutexLock lock(&mu_);
  AdvanceLocked(now);
  Windows* w = FindLocked(length);
  if (w == nullptr) return response;

  if (accounts != nullptr && accounts->empty()) accounts = nullptr;
  const std::string hashtag = HashtagName(request.hashtag());
  const bool filtered = !request.account_id().empty() ||
                        !request.hashtag().empty() || accounts != nullptr;
  std::vector<RankedKey> top;
  if (!filtered) {
    top = TopsOf(*w, metric).Top(w->posts.sums(), limit);
  } else {
    std::vector<RankedKey> candidates;
    for (const auto& [post_id, counts] : w->posts.sums()) {
      const int64_t value = MetricValue(metric, counts);
      if (value <= 0) continue;
      auto info = post_info_.find(post_id);
      if (info == post_info_.end()) continue;
      if (!request.account_id().empty() &&
          info->second->account_id != request.account_id()) {
        continue;
      }
      if (accounts != nullptr &&
          !accounts->contains(info->second->account_id)) {
        continue;
      }
      const auto& tags = info->second->hashtags;
      if (!request.hashtag().empty() &&
          std::find(tags.begin(), tags.end(), hashtag) == tags.end()) {
        continue;
      }
      candidates.push_back(RankedKey{value, &post_id, &counts});
    }
    top = TopK(candidates, limit);
  }

  int rank = 0;
  for (const RankedKey& r : top) {
    v1::TopPost* post = response.add_posts();
    post->set_rank(++rank);
    post->set_post_id(*r.key);
    post->set_value(r.value);
    const Counts& c = *r.counts;
    post->set_impressions(c[storage::kImpressions]);
    post->set_likes(c[storage::kLikes]);
    post->set_shares(c[storage::kShares]);
    post->set_comments(c[storage::kComments]);
    post->set_clicks(c[storage::kClicks]);
    if (auto info = post_info_.find(*r.key); info != post_info_.end()) {
      post->set_account_id(info->second->account_id);
      for (const std::string& tag : info->second->hashtags)
        post->add_hashtags(tag);
    }
  }
  return response;
}

absl::StatusOr<v1::TrendingHashtagsResponse> Boards::Trending(
    const v1::TrendingHashtagsRequest& request) {
  if (absl::Status s = ReadyStatus(); !s.ok()) return s;
  const absl::Time now = clock_->Now();
  const absl::Duration length =
      request.has_window() ? FromProto(request.window()) : absl::Hours(1);
  const size_t limit = request.limit() > 0 ? request.limit() : 10;
  const int64_t min_count = request.min_count() > 0 ? request.min_count() : 1;
  const v1::Metric metric = request.metric() == v1::METRIC_UNSPECIFIED
                                ? v1::ENGAGEMENTS
                                : request.metric();

  v1::TrendingHashtagsResponse response;
  *response.mutable_window() = ToProto(length);
  response.set_metric(metric);
  *response.mutable_as_of() = ToProto(now);

  absl::MutexLock lock(&mu_);
  AdvanceLocked(now);
  Windows* w = FindLocked(length);
  if (w == nullptr) return response;
  // Both only grow, so their sum changes whenever either does.
  const uint64_t version = w->hashtags.version() + w->hashtags_double.version();
  std::string memo_key = request.SerializeAsString();
  if (auto memo = trending_memo_.find(memo_key);
      memo != trending_memo_.end() && memo->second.version == version) {
    response = memo->second.response;
    *response.mutable_as_of() = ToProto(now);
    return response;
  }

  struct Trend {
    double growth;
    int64_t current;
    int64_t previous;
    const std::string* tag;
  };
  std::vector<Trend> trends;
  const SlidingWindow::Sums& both = w->hashtags_double.sums();
  for (const auto& [tag, counts] : w->hashtags.sums()) {
    const int64_t current = MetricValue(metric, counts);
    if (current < min_count) continue;
    auto it = both.find(tag);
    const int64_t previous =
        it == both.end() ? 0 : MetricValue(metric, it->second) - current;
    const double growth = static_cast<double>(current - previous) /
                          static_cast<double>(std::max<int64_t>(previous, 1));
    trends.push_back(Trend{growth, current, previous, &tag});
  }
  auto better = [](const Trend& a, const Trend& b) {
    if (a.growth != b.growth) return a.growth > b.growth;
    if (a.current != b.current) return a.current > b.current;
    return *a.tag < *b.tag;
  };
  const size_t n = std::min(limit, trends.size());
  std::partial_sort(trends.begin(), trends.begin() + n, trends.end(), better);
  for (size_t i = 0; i < n; ++i) {
    v1::TrendingHashtag* t = response.add_hashtags();
    t->set_rank(static_cast<int>(i) + 1);
    t->set_hashtag(*trends[i].tag);
    t->set_current(trends[i].current);
    t->set_previous(trends[i].previous);
    t->set_growth(trends[i].growth);
  }
  if (trending_memo_.size() >= kMaxTrendingMemos) trending_memo_.clear();
  trending_memo_[std::move(memo_key)] = TrendingMemo{version, response};
  return response;
}

}  // namespace pulse::server
