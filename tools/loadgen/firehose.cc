#include "tools/loadgen/firehose.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "tools/loadgen/names.h"

namespace pulse::loadgen {
namespace {

// Shapes of the distributions: Zipf exponents.
constexpr double kAccountExponent = 1.1;
constexpr double kPostExponent = 1.0;
constexpr double kHashtagExponent = 1.0;
constexpr double kRecentExponent = 1.0;
constexpr double kUserExponent = 0.8;

// Engagements go to the viral post (its share), a trending hashtag's posts
// (up to kTrendShare), the newest posts (kRecentShare of the rest) or a post
// of the ring by its popularity rank.
constexpr double kTrendShare = 0.2;
constexpr double kRecentShare = 0.25;
// The newest posts that get the recency boost.
constexpr uint64_t kRecentWindow = 256;

// Simulated users per account.
constexpr uint64_t kUsersPerAccount = 50;
// Followers of the most followed account; rank r has about this / r^1.1.
constexpr double kTopFollowers = 5'000'000;
// Chance that a step is a follow change rather than an engagement.
constexpr double kFollowChance = 0.01;
// Chance that a follow change is a loss.
constexpr double kUnfollowChance = 0.25;

// Trends: at most this many at once; their posts remembered per trend.
constexpr size_t kMaxTrends = 4;
constexpr size_t kTrendPosts = 64;
// Share of new posts' hashtags taken from trends at full trend weight.
constexpr double kTrendTagShare = 0.4;

// The kind mix of ordinary engagements (per unit of post quality) and of a
// viral post's; the rest are impressions.
struct KindMix {
  double like, click, share, comment;
};
constexpr KindMix kOrdinaryMix = {0.06, 0.025, 0.01, 0.012};
constexpr KindMix kViralMix = {0.16, 0.03, 0.08, 0.03};
// Fraction of likes that are undone (LIKE with count -1).
constexpr double kUnlikeChance = 0.02;
// Chance per viral engagement of one more follower for the viral account.
constexpr double kViralFollowChance = 0.03;

uint64_t HashOf(uint64_t seed, uint64_t salt, uint64_t x) {
  return Mix64(Mix64(seed ^ (salt * 0x9e3779b97f4a7c15ULL)) + x);
}

double Exponential(Rng& rng, double mean) {
  return -mean * std::log1p(-rng.Uniform());
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

}  // namespace

absl::Status ValidateOptions(const FirehoseOptions& options) {
  if (options.accounts < 1) {
    return absl::InvalidArgumentError("accounts: must be >= 1");
  }
  if (options.posts < 1)
    return absl::InvalidArgumentError("posts: must be >= 1");
  if (options.hashtags < 1) {
    return absl::InvalidArgumentError("hashtags: must be >= 1");
  }
  if (options.sequence_start < 1) {
    return absl::InvalidArgumentError("sequence_start: must be >= 1");
  }
  if (!(options.nominal_rate > 0)) {
    return absl::InvalidArgumentError("nominal_rate: must be > 0");
  }
  if (options.engagements_per_new_post < 1) {
    return absl::InvalidArgumentError("engagements_per_new_post: must be >= 1");
  }
  if (options.viral_mean_interval_s < 0 || options.trend_mean_interval_s < 0) {
    return absl::InvalidArgumentError(
        "viral_mean_interval_s, trend_mean_interval_s: must be >= 0");
  }
  if (options.producer_id.size() > 256) {
    return absl::InvalidArgumentError("producer_id: at most 256 bytes");
  }
  return absl::OkStatus();
}

Firehose::Firehose(FirehoseOptions options)
    : options_(std::move(options)),
      producer_id_(options_.producer_id.empty()
                       ? absl::StrCat("loadgen-", options_.seed)
                       : options_.producer_id),
      rng_(options_.seed),
      account_zipf_(options_.accounts, kAccountExponent),
      post_zipf_(options_.posts, kPostExponent),
      hashtag_zipf_(options_.hashtags, kHashtagExponent),
      recent_zipf_(std::min<uint64_t>(kRecentWindow, options_.posts),
                   kRecentExponent),
      user_zipf_(options_.accounts * kUsersPerAccount, kUserExponent),
      rank_to_slot_(options_.posts, Mix64(options_.seed ^ 0x5157ULL)),
      ring_size_(options_.posts),
      initial_posts_(options_.posts),
      sequence_(options_.sequence_start),
      introduced_(options_.accounts, false) {
  // The first viral burst and trend come soon, so a short demo shows both.
  if (options_.viral_mean_interval_s > 0) {
    next_viral_tick_ = Ticks(rng_.Uniform(20, 60));
  }
  if (options_.trend_mean_interval_s > 0) {
    next_trend_tick_ = Ticks(rng_.Uniform(5, 15));
  }
}

int64_t Firehose::Ticks(double sim_seconds) const {
  return std::max<int64_t>(
      1, static_cast<int64_t>(sim_seconds * options_.nominal_rate));
}

double Firehose::sim_seconds() const {
  return static_cast<double>(tick_) / options_.nominal_rate;
}

std::string Firehose::viral_post_id() const {
  return has_viral_ ? PostId(options_.seed, viral_.post) : std::string();
}

std::vector<std::string> Firehose::trending_hashtags() const {
  std::vector<std::pair<double, uint64_t>> by_weight;
  for (const Trend& trend : trends_) {
    const double w = TrendWeight(trend);
    if (w > 0) by_weight.emplace_back(w, trend.hashtag);
  }
  std::sort(by_weight.rbegin(), by_weight.rend());
  std::vector<std::string> out;
  for (const auto& [weight, hashtag] : by_weight) {
    out.push_back(HashtagName(hashtag));
  }
  return out;
}

double Firehose::TrendWeight(const Trend& trend) const {
  const int64_t age = tick_ - trend.start_tick;
  if (age < 0) return 0;
  if (age < trend.rise_ticks) {
    return trend.peak * static_cast<double>(age) /
           static_cast<double>(trend.rise_ticks);
  }
  const double faded = static_cast<double>(age - trend.rise_ticks) /
                       static_cast<double>(trend.fade_ticks);
  return faded >= 1 ? 0 : trend.peak * (1 - faded);
}

double Firehose::ViralShare() const {
  if (!has_viral_) return 0;
  // A sharp rise over the first 15% of the burst, then a slow decline.
  const double f = static_cast<double>(tick_ - viral_.start_tick) /
                   static_cast<double>(viral_.length_ticks);
  constexpr double kRise = 0.15;
  const double shape = f < kRise ? f / kRise : 1 - (f - kRise) / (1 - kRise);
  return viral_.peak_share * std::clamp(shape, 0.0, 1.0);
}

void Firehose::AdvanceWorld() {
  // Trends end when faded; a new one starts now and then.
  trends_.erase(std::remove_if(trends_.begin(), trends_.end(),
                               [this](const Trend& t) {
                                 return tick_ - t.start_tick >=
                                        t.rise_ticks + t.fade_ticks;
                               }),
                trends_.end());
  if (options_.trend_mean_interval_s > 0 && tick_ >= next_trend_tick_) {
    next_trend_tick_ =
        tick_ + Ticks(Exponential(rng_, options_.trend_mean_interval_s));
    const uint64_t hashtag = rng_.Below(options_.hashtags);
    const bool taken =
        std::any_of(trends_.begin(), trends_.end(),
                    [hashtag](const Trend& t) { return t.hashtag == hashtag; });
    if (!taken && trends_.size() < kMaxTrends) {
      Trend trend;
      trend.hashtag = hashtag;
      trend.start_tick = tick_;
      trend.rise_ticks = Ticks(rng_.Uniform(60, 180));
      trend.fade_ticks = Ticks(rng_.Uniform(120, 600));
      trend.peak = rng_.Uniform(0.5, 1.0);
      trends_.push_back(std::move(trend));
    }
  }

  // A viral burst ends after its length; the next one waits its turn. The
  // newest announced post goes viral: fresh content is what takes off.
  if (has_viral_ && tick_ - viral_.start_tick >= viral_.length_ticks) {
    has_viral_ = false;
  }
  if (!has_viral_ && options_.viral_mean_interval_s > 0 &&
      tick_ >= next_viral_tick_ && announced_ > 0) {
    has_viral_ = true;
    viral_.post = announced_ - 1;
    viral_.account = AccountOfPost(viral_.post);
    viral_.start_tick = tick_;
    viral_.length_ticks = Ticks(rng_.Uniform(90, 240));
    viral_.peak_share = rng_.Uniform(0.25, 0.4);
    next_viral_tick_ = tick_ + viral_.length_ticks +
                       Ticks(Exponential(rng_, options_.viral_mean_interval_s));
    ++counts_.viral_bursts;
  }
}

uint64_t Firehose::AccountOfPost(uint64_t number) const {
  // Popular accounts publish more: the author is Zipf-distributed as well.
  Rng rng(HashOf(options_.seed, 1, number));
  return account_zipf_.Sample(rng) - 1;
}

double Firehose::QualityOfPost(uint64_t number) const {
  // Scales the chance of a like, click, share or comment: 0.5 to 1.5.
  return 0.5 +
         static_cast<double>(HashOf(options_.seed, 2, number) % 1000) / 1000.0;
}

uint64_t Firehose::LiveNumberOfSlot(uint64_t slot) const {
  // The live posts are the ring_size_ newest announced ones; post n sits in
  // slot n % ring_size_.
  const uint64_t low = announced_ - ring_size_;
  return low + (slot + ring_size_ - low % ring_size_) % ring_size_;
}

uint64_t Firehose::PickHashtag() {
  double total = 0;
  for (const Trend& trend : trends_) total += TrendWeight(trend);
  if (total > 0 && rng_.Chance(kTrendTagShare * std::min(1.0, total))) {
    double u = rng_.Uniform() * total;
    for (const Trend& trend : trends_) {
      u -= TrendWeight(trend);
      if (u < 0) return trend.hashtag;
    }
  }
  return hashtag_zipf_.Sample(rng_) - 1;
}

uint64_t Firehose::PickPost() {
  if (has_viral_ && viral_.post < announced_ && rng_.Chance(ViralShare())) {
    return viral_.post;
  }
  double total = 0;
  for (const Trend& trend : trends_) total += TrendWeight(trend);
  if (total > 0 && rng_.Chance(kTrendShare * std::min(1.0, total))) {
    double u = rng_.Uniform() * total;
    for (const Trend& trend : trends_) {
      u -= TrendWeight(trend);
      if (u >= 0) continue;
      // Only posts announced earlier and still live.
      const uint64_t low = announced_ - ring_size_;
      std::vector<uint64_t> candidates;
      for (uint64_t number : trend.posts) {
        if (number < announced_ && number >= low) candidates.push_back(number);
      }
      if (!candidates.empty()) return candidates[rng_.Below(candidates.size())];
      break;
    }
  }
  if (rng_.Chance(kRecentShare)) {
    return announced_ - recent_zipf_.Sample(rng_);
  }
  const uint64_t rank = post_zipf_.Sample(rng_);
  return LiveNumberOfSlot(rank_to_slot_.Map(rank - 1));
}

void Firehose::AddFollow(uint64_t account, int64_t delta, absl::Time now,
                         pulse::v1::IngestRequest* batch) {
  pulse::v1::FollowChange* follow = batch->add_follows();
  follow->set_account_id(AccountName(account));
  follow->set_delta(delta);
  SetTime(now, follow->mutable_time());
  ++counts_.follows;
}

void Firehose::MaybeIntroduceAccount(uint64_t account, absl::Time now,
                                     pulse::v1::IngestRequest* batch) {
  if (introduced_[account]) return;
  introduced_[account] = true;
  // Its followers so far, Zipf by the account's rank (index + 1).
  const double base = kTopFollowers / std::pow(static_cast<double>(account + 1),
                                               kAccountExponent);
  const int64_t followers =
      std::max<int64_t>(1, std::llround(base * rng_.Uniform(0.8, 1.2)));
  AddFollow(account, followers, now, batch);
}

void Firehose::AddPost(absl::Time now, pulse::v1::IngestRequest* batch) {
  const uint64_t number = next_post_++;
  const uint64_t account = AccountOfPost(number);
  pulse::v1::Post* post = batch->add_posts();
  post->set_post_id(PostId(options_.seed, number));
  post->set_account_id(AccountName(account));
  post->set_platform(PlatformOf(account));
  SetTime(now, post->mutable_published_at());
  // 0 to 3 hashtags: 25%, 40%, 25%, 10%.
  const double u = rng_.Uniform();
  const int tags = u < 0.25 ? 0 : u < 0.65 ? 1 : u < 0.9 ? 2 : 3;
  std::vector<uint64_t> chosen;
  for (int i = 0; i < tags; ++i) {
    const uint64_t tag = PickHashtag();
    if (std::find(chosen.begin(), chosen.end(), tag) != chosen.end()) continue;
    chosen.push_back(tag);
    post->add_hashtags(HashtagName(tag));
    for (Trend& trend : trends_) {
      if (trend.hashtag != tag) continue;
      trend.posts.push_back(number);
      if (trend.posts.size() > kTrendPosts) trend.posts.pop_front();
    }
  }
  ++counts_.posts;
  // The account's base followers travel with its first post, room allowing.
  if (batch->posts_size() + batch->engagements_size() + batch->follows_size() <
      max_items_) {
    MaybeIntroduceAccount(account, now, batch);
  }
}

void Firehose::AddEngagement(absl::Time now, pulse::v1::IngestRequest* batch) {
  const uint64_t post = PickPost();
  const bool viral = has_viral_ && post == viral_.post;
  const double quality = viral ? 1.0 : QualityOfPost(post);
  const KindMix& mix = viral ? kViralMix : kOrdinaryMix;
  double u = rng_.Uniform();
  pulse::v1::EngagementKind kind = pulse::v1::IMPRESSION;
  if ((u -= mix.like * quality) < 0) {
    kind = pulse::v1::LIKE;
  } else if ((u -= mix.click * quality) < 0) {
    kind = pulse::v1::CLICK;
  } else if ((u -= mix.share * quality) < 0) {
    kind = pulse::v1::SHARE;
  } else if ((u -= mix.comment * quality) < 0) {
    kind = pulse::v1::COMMENT;
  }
  pulse::v1::Engagement* e = batch->add_engagements();
  e->set_post_id(PostId(options_.seed, post));
  e->set_kind(kind);
  if (kind == pulse::v1::LIKE && rng_.Chance(kUnlikeChance)) e->set_count(-1);
  e->set_user_id(UserId(user_zipf_.Sample(rng_) - 1));
  SetTime(now, e->mutable_time());
  ++counts_.engagements;
  ++tick_;
  if (viral && rng_.Chance(kViralFollowChance) &&
      batch->posts_size() + batch->engagements_size() + batch->follows_size() <
          max_items_) {
    AddFollow(viral_.account, 1, now, batch);
  }
  AdvanceWorld();
}

pulse::v1::IngestRequest Firehose::NextBatch(absl::Time now, int max_items) {
  max_items_ = std::max(1, max_items);
  pulse::v1::IngestRequest batch;
  batch.set_producer_id(producer_id_);
  batch.set_sequence(sequence_++);
  ++counts_.batches;
  // Posts created in this batch get engagements from the next one on, so the
  // server always knows a post before its engagements.
  announced_ = next_post_;
  const auto size = [&batch] {
    return batch.posts_size() + batch.engagements_size() + batch.follows_size();
  };
  if (warming_up()) {
    while (size() < max_items_ && warming_up()) AddPost(now, &batch);
    return batch;
  }
  while (size() < max_items_) {
    if (tick_ >= next_post_tick_) {
      next_post_tick_ += options_.engagements_per_new_post;
      AddPost(now, &batch);
    } else if (rng_.Chance(kFollowChance)) {
      const uint64_t account = account_zipf_.Sample(rng_) - 1;
      if (!introduced_[account]) {
        MaybeIntroduceAccount(account, now, &batch);
      } else {
        AddFollow(account, rng_.Chance(kUnfollowChance) ? -1 : 1, now, &batch);
      }
    } else {
      AddEngagement(now, &batch);
    }
  }
  return batch;
}

}  // namespace pulse::loadgen
