// Microbenchmarks of pulse_server's live paths: top-board maintenance
// (Boards::Record and TopPosts over N posts) and printing an Update as JSON,
// which the bridge does once per shared update frame.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "bridge/method_registry.h"
#include "bridge/update_printer.h"
#include "google/protobuf/util/time_util.h"
#include "server/boards.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace pulse::server {
namespace {

using google::protobuf::util::TimeUtil;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

std::vector<storage::AppliedEngagement> Applied(int n, int posts, int offset,
                                                absl::Time t) {
  std::vector<storage::AppliedEngagement> out(n);
  for (int i = 0; i < n; ++i) {
    // A crude Zipf: low post numbers far more often.
    const int p = static_cast<int>(
        (static_cast<int64_t>(i + offset) * (i + offset) * 2654435761LL) %
        posts);
    storage::AppliedEngagement& e = out[i];
    e.post_id = absl::StrCat("post-", p % (1 + (i % 7 == 0 ? posts : p + 1)));
    e.account_id = absl::StrCat("acct-", p % 1000);
    e.hashtags = {absl::StrCat("tag", p % 500)};
    e.kind = static_cast<storage::Slot>(i % 5);
    e.count = 1;
    e.time = t;
  }
  return out;
}

// Records one batch of 10,000 engagements into boards already holding
// `range(0)` posts (5 min, 1 h and 24 h windows).
void BM_BoardsRecord(benchmark::State& state) {
  const int posts = static_cast<int>(state.range(0));
  storage::ManualClock clock(kStart);
  Boards boards({absl::Minutes(5), absl::Hours(1), absl::Hours(24)}, &clock);
  for (int i = 0; i < posts; i += 10'000) {
    std::vector<storage::AppliedEngagement> fill;
    for (int j = i; j < std::min(posts, i + 10'000); ++j) {
      storage::AppliedEngagement e;
      e.post_id = absl::StrCat("post-", j);
      e.account_id = absl::StrCat("acct-", j % 1000);
      e.hashtags = {absl::StrCat("tag", j % 500)};
      e.count = 1;
      e.time = kStart;
      fill.push_back(std::move(e));
    }
    boards.Record(fill);
  }
  const auto batch = Applied(10'000, posts, 0, kStart);
  for (auto _ : state) boards.Record(batch);
  state.SetItemsProcessed(state.iterations() * 10'000);
}
BENCHMARK(BM_BoardsRecord)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

// TopPosts(1 h, top 10) over boards holding `range(0)` posts.
void BM_BoardsTopPosts(benchmark::State& state) {
  const int posts = static_cast<int>(state.range(0));
  storage::ManualClock clock(kStart);
  Boards boards({absl::Minutes(5), absl::Hours(1), absl::Hours(24)}, &clock);
  for (int i = 0; i < posts; i += 10'000) {
    std::vector<storage::AppliedEngagement> fill;
    for (int j = i; j < std::min(posts, i + 10'000); ++j) {
      storage::AppliedEngagement e;
      e.post_id = absl::StrCat("post-", j);
      e.account_id = absl::StrCat("acct-", j % 1000);
      e.count = 1 + (j * 7919) % 1000;
      e.time = kStart;
      fill.push_back(std::move(e));
    }
    boards.Record(fill);
  }
  v1::TopPostsRequest request;
  *request.mutable_window() = TimeUtil::SecondsToDuration(3600);
  request.set_limit(10);
  for (auto _ : state) {
    absl::StatusOr<v1::TopPostsResponse> r = boards.TopPosts(request);
    benchmark::DoNotOptimize(r->posts_size());
  }
}
BENCHMARK(BM_BoardsTopPosts)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

// An Update as a fan-out client receives it: global totals, a 10-post board
// and one post.
v1::Update SampleUpdate() {
  v1::Update u;
  u.set_seq(42);
  *u.mutable_time() = TimeUtil::SecondsToTimestamp(1'700'000'000);
  v1::GlobalStats* g = u.mutable_global();
  g->set_impressions(123'456'789);
  g->set_likes(2'345'678);
  g->set_engagements(3'456'789);
  g->set_engagement_rate(0.028);
  g->set_engagements_per_second(98'765.4);
  v1::TopPostsResponse* top = u.mutable_top_posts();
  *top->mutable_window() = TimeUtil::SecondsToDuration(3600);
  top->set_metric(v1::ENGAGEMENTS);
  for (int i = 0; i < 10; ++i) {
    v1::TopPost* p = top->add_posts();
    p->set_rank(i + 1);
    p->set_post_id(absl::StrCat("post-1-", 1000 + i));
    p->set_account_id(absl::StrCat("acct-", i));
    p->add_hashtags("trending");
    p->set_value(100'000 - i * 1000);
    p->set_impressions(2'000'000);
    p->set_likes(50'000);
  }
  v1::PostStats* post = u.add_posts();
  post->set_post_id("post-1-777");
  post->set_account_id("acct-7");
  post->set_likes(1234);
  post->set_impressions(56'789);
  post->set_engagement_rate(0.03);
  return u;
}

// The bridge's printing of one Update: protobuf's JSON mapping with its
// options and cached types.
void BM_UpdateToJson(benchmark::State& state) {
  const v1::Update update = SampleUpdate();
  // The first call builds the types (~0.2 s): not per frame.
  std::string out = *bridge::MethodRegistry::ToJson(update);
  for (auto _ : state) {
    out = *bridge::MethodRegistry::ToJson(update);
    benchmark::DoNotOptimize(out);
  }
  state.counters["json_bytes"] = static_cast<double>(out.size());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_UpdateToJson)->Unit(benchmark::kMicrosecond);

// The bridge's printing of the same Update when another stream already
// carried its global totals and board: only the rest is printed.
void BM_UpdatePrinterSharedParts(benchmark::State& state) {
  v1::Update update = SampleUpdate();
  bridge::UpdatePrinter printer;
  std::string out = *printer.Print(&update);
  for (auto _ : state) {
    update.set_seq(update.seq() + 1);
    out = *printer.Print(&update);
    benchmark::DoNotOptimize(out);
  }
  state.counters["json_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_UpdatePrinterSharedParts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pulse::server

BENCHMARK_MAIN();
