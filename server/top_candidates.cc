#include "server/top_candidates.h"

#include <algorithm>
#include <queue>

namespace pulse::server {
namespace {

// A full scan keeps this many times the limit asked for, and at least
// kMinCapacity: the slack lets the top change for a while without a rescan.
constexpr size_t kCapacityPerLimit = 4;
constexpr size_t kMinCapacity = 256;
// Keys that rose above the bound join the candidates; past this many times
// the capacity the set is dropped and the next read rescans, which bounds it.
constexpr size_t kMaxGrowth = 8;

bool Better(const RankedKey& a, const RankedKey& b) {
  if (a.value != b.value) return a.value > b.value;
  return *a.key < *b.key;
}

}  // namespace

int64_t MetricValue(v1::Metric metric, const storage::Counts& c) {
  switch (metric) {
    case v1::IMPRESSIONS:
      return c[storage::kImpressions];
    case v1::LIKES:
      return c[storage::kLikes];
    case v1::SHARES:
      return c[storage::kShares];
    case v1::COMMENTS:
      return c[storage::kComments];
    case v1::CLICKS:
      return c[storage::kClicks];
    case v1::FOLLOWERS:
      return c[storage::kFollowers];
    case v1::POSTS:
      return c[storage::kPosts];
    default:
      return storage::Engagements(c);
  }
}

std::vector<RankedKey> TopK(const std::vector<RankedKey>& keys, size_t limit) {
  auto worse_on_top = [](const RankedKey& a, const RankedKey& b) {
    return Better(a, b);
  };
  std::priority_queue<RankedKey, std::vector<RankedKey>, decltype(worse_on_top)>
      heap(worse_on_top);
  for (const RankedKey& r : keys) {
    if (heap.size() < limit) {
      heap.push(r);
    } else if (Better(r, heap.top())) {
      heap.pop();
      heap.push(r);
    }
  }
  std::vector<RankedKey> out;
  out.reserve(heap.size());
  while (!heap.empty()) {
    out.push_back(heap.top());
    heap.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void TopCandidates::Grew(const SlidingWindow::Sums& sums,
                         absl::string_view key) {
  if (capacity_ == 0) return;
  auto it = sums.find(key);
  if (it == sums.end() || MetricValue(metric_, it->second) <= bound_) return;
  if (keys_.contains(key)) return;
  if (keys_.size() >= kMaxGrowth * capacity_) {
    capacity_ = 0;  // the next Top rescans
    keys_.clear();
    return;
  }
  keys_.emplace(key);
}

std::vector<RankedKey> TopCandidates::Top(const SlidingWindow::Sums& sums,
                                          size_t limit) {
  bool rescanned = false;
  if (capacity_ < limit || capacity_ == 0) {
    Rescan(sums, limit);
    rescanned = true;
  }
  for (;;) {
    std::vector<RankedKey> ranked;
    ranked.reserve(keys_.size());
    for (auto it = keys_.begin(); it != keys_.end();) {
      auto sum = sums.find(*it);
      if (sum == sums.end()) {  // expired out of the window
        keys_.erase(it++);
        continue;
      }
      const int64_t value = MetricValue(metric_, sum->second);
      if (value > 0)
        ranked.push_back(RankedKey{value, &sum->first, &sum->second});
      ++it;
    }
    std::vector<RankedKey> top = TopK(ranked, limit);
    // Right after a scan the candidates are the best `capacity_` keys in
    // full order, so their best `limit` are the answer whatever the ties.
    const bool proven =
        top.size() == limit ? top.back().value > bound_ : bound_ <= 0;
    if (proven || rescanned) return top;
    Rescan(sums, limit);
    rescanned = true;
  }
}

void TopCandidates::Rescan(const SlidingWindow::Sums& sums, size_t limit) {
  ++rescans_;
  capacity_ = std::max(kCapacityPerLimit * limit, kMinCapacity);
  std::vector<RankedKey> all;
  all.reserve(sums.size());
  for (const auto& [key, counts] : sums) {
    const int64_t value = MetricValue(metric_, counts);
    if (value > 0) all.push_back(RankedKey{value, &key, &counts});
  }
  // One more than kept: the best value left out is the bound.
  std::vector<RankedKey> best = TopK(all, capacity_ + 1);
  bound_ = 0;
  if (best.size() > capacity_) {
    bound_ = best.back().value;
    best.pop_back();
  }
  keys_.clear();
  for (const RankedKey& r : best) keys_.emplace(*r.key);
}

}  // namespace pulse::server
