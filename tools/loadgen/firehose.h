// pulse_loadgen: a simulated social firehose for pulse-server, and the loop
// that sends it through IngestStream.
//
// Firehose is the generator: a pure, deterministic producer of IngestRequest
// batches. It knows the proto only: never gRPC, the clock or the server.
//
// The simulated world:
// - accounts whose follower counts are Zipf-distributed (an account's base
//   followers arrive as one FollowChange when it first appears, then small
//   gains and losses, most of them to popular accounts);
// - a ring of the `posts` most recent posts; each post's popularity rank is
//   Zipf-distributed over the ring, and new posts keep replacing the oldest;
// - hashtags with a Zipf baseline, plus trends that rise and fade;
// - now and then a post that goes viral: a burst that takes a large share of
//   all engagements for a few minutes, rich in shares, and brings followers;
// - impressions far more common than likes, likes than clicks, shares and
//   comments.
//
// The simulation's own clock counts engagements: one second is
// `nominal_rate` engagements. So the content of the stream depends only on
// the options and on the sequence of `max_items` asked for, never on the wall
// clock or the pace; `now` only stamps event times.
#ifndef PULSE_TOOLS_LOADGEN_FIREHOSE_H_
#define PULSE_TOOLS_LOADGEN_FIREHOSE_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pulse/v1/analytics.pb.h"
#include "tools/loadgen/permutation.h"
#include "tools/loadgen/rng.h"
#include "tools/loadgen/zipf.h"

namespace pulse::loadgen {

// What the firehose simulates. Counts must be >= 1.
struct FirehoseOptions {
  // The same seed (and options) gives the same stream.
  uint64_t seed = 1;
  // Accounts that publish and are followed.
  int64_t accounts = 1'000;
  // Live posts: the ring of recent posts that engagements go to. All of them
  // are announced (as Post metadata) before the first engagement.
  int64_t posts = 10'000;
  // Distinct hashtags.
  int64_t hashtags = 500;
  // Stamped on every batch; empty means "loadgen-<seed>". Two firehoses
  // sending to one server need different ids.
  std::string producer_id;
  // The sequence of the first batch (>= 1); each batch adds one.
  uint64_t sequence_start = 1;
  // Engagements per simulated second: converts the durations below (trends,
  // viral bursts) into engagement counts.
  double nominal_rate = 2'000;
  // One new post per this many engagements.
  int64_t engagements_per_new_post = 100;
  // Mean simulated seconds between two viral bursts; 0 disables them.
  double viral_mean_interval_s = 180;
  // Mean simulated seconds between two new hashtag trends; 0 disables them.
  double trend_mean_interval_s = 60;
};

// OK, or INVALID_ARGUMENT naming the first bad option.
absl::Status ValidateOptions(const FirehoseOptions& options);

// Counts of what a firehose has produced.
struct FirehoseCounts {
  int64_t batches = 0;
  int64_t posts = 0;
  int64_t engagements = 0;
  int64_t follows = 0;
  int64_t viral_bursts = 0;
};

// The generator. Not thread-safe; use from one thread.
class Firehose {
 public:
  // Requires ValidateOptions(options) to be OK.
  explicit Firehose(FirehoseOptions options);

  // The next batch, of at most `max_items` (>= 1) posts + engagements +
  // follows, stamped with the producer id, the next sequence and times `now`.
  // The first batches announce the initial posts; an engagement's post was
  // always announced in an earlier batch.
  pulse::v1::IngestRequest NextBatch(absl::Time now, int max_items);

  // True while the initial posts are still being announced.
  bool warming_up() const { return next_post_ < initial_posts_; }

  // The post of the current viral burst, or "" when none is running.
  std::string viral_post_id() const;

  // The hashtags trending now, strongest first.
  std::vector<std::string> trending_hashtags() const;

  // Simulated seconds elapsed (engagements / nominal_rate).
  double sim_seconds() const;

  // The producer id stamped on batches.
  const std::string& producer_id() const { return producer_id_; }

  // What has been produced so far.
  const FirehoseCounts& counts() const { return counts_; }

 private:
  // A hashtag whose weight rises linearly then fades linearly.
  struct Trend {
    uint64_t hashtag;
    int64_t start_tick;
    int64_t rise_ticks;
    int64_t fade_ticks;
    double peak;
    // Recent posts carrying the hashtag, newest last (bounded).
    std::deque<uint64_t> posts;
  };
  // A post taking a share of all engagements for a while.
  struct Viral {
    uint64_t post;
    uint64_t account;
    int64_t start_tick;
    int64_t length_ticks;
    double peak_share;
  };

  int64_t Ticks(double sim_seconds) const;
  double TrendWeight(const Trend& trend) const;
  double ViralShare() const;
  void AdvanceWorld();
  void AddPost(absl::Time now, pulse::v1::IngestRequest* batch);
  void AddEngagement(absl::Time now, pulse::v1::IngestRequest* batch);
  void AddFollow(uint64_t account, int64_t delta, absl::Time now,
                 pulse::v1::IngestRequest* batch);
  void MaybeIntroduceAccount(uint64_t account, absl::Time now,
                             pulse::v1::IngestRequest* batch);
  uint64_t PickHashtag();
  uint64_t PickPost();
  uint64_t LiveNumberOfSlot(uint64_t slot) const;
  // A post's account and quality are functions of its number, so nothing
  // per post is stored.
  uint64_t AccountOfPost(uint64_t number) const;
  double QualityOfPost(uint64_t number) const;

  FirehoseOptions options_;
  std::string producer_id_;
  Rng rng_;
  ZipfSampler account_zipf_;
  ZipfSampler post_zipf_;
  ZipfSampler hashtag_zipf_;
  ZipfSampler recent_zipf_;
  ZipfSampler user_zipf_;
  Permutation rank_to_slot_;
  uint64_t ring_size_;
  uint64_t initial_posts_;
  uint64_t sequence_;
  // The item limit of the batch being built.
  int max_items_ = 1;
  // Posts are numbered 0, 1, ...; numbers below announced_ were sent in an
  // earlier batch and may receive engagements.
  uint64_t next_post_ = 0;
  uint64_t announced_ = 0;
  // Engagements produced: the simulation's clock.
  int64_t tick_ = 0;
  int64_t next_post_tick_ = 0;
  int64_t next_trend_tick_ = 0;
  int64_t next_viral_tick_ = 0;
  std::vector<Trend> trends_;
  bool has_viral_ = false;
  Viral viral_{};
  // One bit per account: its base followers were sent.
  std::vector<bool> introduced_;
  FirehoseCounts counts_;
};

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_FIREHOSE_H_
