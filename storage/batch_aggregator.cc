#include "storage/batch_aggregator.h"

#include <algorithm>
#include <array>
#include <vector>

#include "storage/key_codec.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

struct ResolutionWidth {
  Resolution res;
  uint64_t seconds;
};
constexpr std::array<ResolutionWidth, 4> kResolutions = {{
    {Resolution::kSecond, 1},
    {Resolution::kMinute, 60},
    {Resolution::kHour, 3600},
    {Resolution::kDay, 86400},
}};

// Wraps like the merge operator's sum (AddCountValues) instead of
// overflowing: counts come from clients, and two events of count 2^63-1 must
// not be undefined behaviour.
int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) +
                              static_cast<uint64_t>(b));
}

void AddInto(Counts& into, const Counts& delta) {
  for (int i = 0; i < kNumSlots; ++i) into[i] = WrappingAdd(into[i], delta[i]);
}

bool IsZero(const Counts& c) {
  for (int64_t v : c) {
    if (v != 0) return false;
  }
  return true;
}

rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

// The entries of `map` in key order. A memtable insert resumes its skiplist
// search where the previous one ended, so sorted operands insert several
// times faster than the hash map's random order.
template <typename Map>
std::vector<const typename Map::value_type*> SortedEntries(const Map& map) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(map.size());
  for (const auto& entry : map) out.push_back(&entry);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  return out;
}

}  // namespace

BatchAggregator::BatchAggregator(size_t expected_events) {
  // An engagement touches a post, an account, a couple of hashtags and global.
  by_second_.reserve(expected_events * 2);
  scratch_.reserve(64);
}

void BatchAggregator::AddCount(Scope scope, std::string_view id, absl::Time t,
                               Slot slot, int64_t delta) {
  scratch_.clear();
  PutU8(&scratch_, static_cast<uint8_t>(scope));
  PutString(&scratch_, scope == Scope::kGlobal ? std::string_view() : id);
  PutU64(&scratch_, KeySecondsFloor(t));
  auto it = by_second_.try_emplace(scratch_).first;
  it->second[slot] = WrappingAdd(it->second[slot], delta);
}

void BatchAggregator::AddUser(Scope scope, std::string_view id,
                              std::string_view user_id) {
  scratch_ = SketchKey(scope, id);
  sketches_.try_emplace(scratch_).first->second.Add(user_id);
}

rocksdb::Status BatchAggregator::AppendTo(
    rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* counters,
    rocksdb::ColumnFamilyHandle* activity,
    rocksdb::ColumnFamilyHandle* sketches) {
  absl::flat_hash_map<std::string, Counts> counter_sums, activity_sums;
  counter_sums.reserve(by_second_.size() * 3);
  activity_sums.reserve(by_second_.size());
  for (const auto& [key, counts] : by_second_) {
    if (IsZero(counts)) continue;
    KeyReader r(key);
    uint8_t scope_byte = 0;
    std::string_view id;
    uint64_t second = 0;
    // The keys were built by AddCount, so they always parse.
    if (!r.GetU8(&scope_byte) || !r.GetString(&id) || !r.GetU64(&second))
      continue;
    const auto scope = static_cast<Scope>(scope_byte);
    CounterKey ck{scope, id, Resolution::kTotal, 0};
    scratch_.clear();
    EncodeCounterKey(ck, &scratch_);
    AddInto(counter_sums.try_emplace(scratch_).first->second, counts);
    const bool has_activity = scope == Scope::kPost || scope == Scope::kHashtag;
    for (const ResolutionWidth& rw : kResolutions) {
      ck.res = rw.res;
      ck.bucket = second - second % rw.seconds;
      scratch_.clear();
      EncodeCounterKey(ck, &scratch_);
      AddInto(counter_sums.try_emplace(scratch_).first->second, counts);
      if (has_activity &&
          (rw.res == Resolution::kSecond || rw.res == Resolution::kMinute)) {
        scratch_.clear();
        EncodeActivityKey(ActivityKey{rw.res, ck.bucket, scope, id}, &scratch_);
        AddInto(activity_sums.try_emplace(scratch_).first->second, counts);
      }
    }
  }

  std::string value;
  value.reserve(kCountsValueSize);
  auto merge_all = [&](const auto& map, rocksdb::ColumnFamilyHandle* cf,
                       auto encode) -> rocksdb::Status {
    for (const auto* entry : SortedEntries(map)) {
      value.clear();
      if (!encode(entry->second, &value)) continue;
      rocksdb::Status s =
          batch->Merge(cf, ToSlice(entry->first), ToSlice(value));
      if (!s.ok()) return s;
    }
    return rocksdb::Status::OK();
  };
  auto encode_counts = [](const Counts& counts, std::string* out) {
    if (IsZero(counts)) return false;  // e.g. a like and its unlike
    EncodeCounts(counts, out);
    return true;
  };
  auto encode_sketch = [](const HyperLogLog& sketch, std::string* out) {
    sketch.Encode(out);
    return true;
  };
  rocksdb::Status s = merge_all(counter_sums, counters, encode_counts);
  if (!s.ok()) return s;
  s = merge_all(activity_sums, activity, encode_counts);
  if (!s.ok()) return s;
  return merge_all(sketches_, sketches, encode_sketch);
}

}  // namespace pulse::storage
