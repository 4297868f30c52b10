#include "server/sliding_window.h"

#include <algorithm>

namespace pulse::server {
namespace {

void AddInto(storage::Counts& into, const storage::Counts& delta, int sign) {
  for (int i = 0; i < storage::kNumSlots; ++i) into[i] += sign * delta[i];
}

bool IsZero(const storage::Counts& c) {
  return std::all_of(c.begin(), c.end(), [](int64_t v) { return v == 0; });
}

}  // namespace

SlidingWindow::SlidingWindow(absl::Duration window, int slots)
    : window_(window), step_(window / slots), slots_(slots) {}

int64_t SlidingWindow::StepOf(absl::Time t) const {
  absl::Duration rem;  // this Abseil writes *rem unconditionally
  return absl::IDivDuration(t - absl::UnixEpoch(), step_, &rem);
}

bool SlidingWindow::Add(absl::Time now, absl::Time t, absl::string_view key,
                        const storage::Counts& delta) {
  const int64_t head = StepOf(now);
  // A time ahead of `now` (ingest takes up to 5 minutes ahead) is filed
  // under its own step and counts from when Advance reaches it to when it
  // is a window old, as the series and velocity count it. No further ahead
  // than a window: the steps kept stay bounded.
  const int64_t step = std::min(StepOf(t), head + slots_);
  if (step <= head - slots_) return false;
  // Steps arrive nearly in order; a late one is inserted in place.
  auto it =
      std::lower_bound(steps_.begin(), steps_.end(), step,
                       [](const Step& s, int64_t n) { return s.number < n; });
  if (it == steps_.end() || it->number != step) {
    it = steps_.insert(it, Step{step, {}, /*counted=*/false});
  }
  if (!it->counted && step <= std::max(head, counted_through_)) {
    // Its time came before an Advance counted it.
    Apply(*it, +1, nullptr, nullptr);
    it->counted = true;
  }
  AddInto(it->deltas[key], delta, +1);
  if (it->counted) AddInto(sums_[key], delta, +1);
  ++version_;
  return true;
}

void SlidingWindow::Apply(const Step& step, int sign,
                          std::vector<std::string>* rose,
                          std::vector<std::string>* erased) {
  for (const auto& [key, delta] : step.deltas) {
    // A sum can reach zero while other steps still hold deltas of the key
    // (a like and an unlike); it is then recreated when they count.
    auto& sum = sums_[key];
    AddInto(sum, delta, sign);
    if (rose != nullptr &&
        std::any_of(delta.begin(), delta.end(),
                    [sign](int64_t v) { return sign * v > 0; })) {
      rose->push_back(key);
    }
    if (IsZero(sum)) {
      if (erased != nullptr) erased->push_back(key);
      sums_.erase(key);
    }
  }
}

void SlidingWindow::Merge(absl::Time now, const SlidingWindow& other) {
  for (const Step& step : other.steps_) {
    const absl::Time start = absl::UnixEpoch() + step.number * step_;
    for (const auto& [key, delta] : step.deltas) Add(now, start, key, delta);
  }
}

std::vector<std::string> SlidingWindow::Advance(
    absl::Time now, std::vector<std::string>* rose) {
  std::vector<std::string> erased;
  const int64_t head = StepOf(now);
  const int64_t oldest_kept = head - slots_ + 1;
  while (!steps_.empty() && steps_.front().number < oldest_kept) {
    if (steps_.front().counted) Apply(steps_.front(), -1, rose, &erased);
    steps_.pop_front();
    ++version_;
  }
  // The steps whose time came since the last Advance (those ahead of now
  // stay uncounted).
  auto it =
      std::lower_bound(steps_.begin(), steps_.end(), counted_through_,
                       [](const Step& s, int64_t n) { return s.number <= n; });
  for (; it != steps_.end() && it->number <= head; ++it) {
    if (it->counted) continue;
    Apply(*it, +1, rose, &erased);
    it->counted = true;
    ++version_;
  }
  counted_through_ = std::max(counted_through_, head);
  return erased;
}

}  // namespace pulse::server
