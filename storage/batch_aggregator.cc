#include "storage/batch_aggregator.h"

#include <algorithm>
#include <array>
#include <tuple>
#include <vector>

#include "storage/key_codec.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

struct ResolutionWidth {
  Resolution res;
  uint64_t seconds;
};
// In Resolution's numeric order, which is the keys' order after kTotal.
constexpr std::array<ResolutionWidth, 4> kResolutions = {{
    {Resolution::kSecond, 1},
    {Resolution::kMinute, 60},
    {Resolution::kHour, 3600},
    {Resolution::kDay, 86400},
}};

// Wraps like the merge operator's sum (AddCountValueInto) instead of
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

// PutString's view of an id: its length prefix comes first, so encoded ids
// order by (length, bytes).
std::string_view Encoded(std::string_view id) {
  return id.substr(0, std::min(id.size(), kMaxEncodedStringLength));
}
// -1, 0 or 1 as the encodings of `a` and `b` compare bytewise.
int CompareIds(std::string_view a, std::string_view b) {
  a = Encoded(a);
  b = Encoded(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}
// The order of [scope][id] key prefixes.
bool EntityLess(const BatchAggregator::Entity& a,
                const BatchAggregator::Entity& b) {
  if (a.scope != b.scope) return a.scope < b.scope;
  return CompareIds(a.id, b.id) < 0;
}

// One activity operand: [resolution][bucket][scope][id].
struct ActivityOperand {
  Resolution res;
  uint64_t bucket;
  BatchAggregator::Entity entity;
  Counts counts;
};
bool ActivityLess(const ActivityOperand& a, const ActivityOperand& b) {
  if (a.res != b.res) return a.res < b.res;
  if (a.bucket != b.bucket) return a.bucket < b.bucket;
  return EntityLess(a.entity, b.entity);
}

}  // namespace

BatchAggregator::BatchAggregator(size_t expected_events) {
  // An engagement touches a post, an account, a couple of hashtags and global.
  by_second_.reserve(expected_events * 2);
}

void BatchAggregator::AddCount(Scope scope, std::string_view id, absl::Time t,
                               Slot slot, int64_t delta) {
  if (scope == Scope::kGlobal) id = {};
  Counts& counts = by_second_[EntitySecond{{scope, id}, KeySecondsFloor(t)}];
  counts[slot] = WrappingAdd(counts[slot], delta);
}

void BatchAggregator::AddUser(Scope scope, std::string_view id,
                              std::string_view user_id) {
  sketches_[Entity{scope, id}].Add(user_id);
}

rocksdb::Status BatchAggregator::AppendTo(
    rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* counters,
    rocksdb::ColumnFamilyHandle* activity,
    rocksdb::ColumnFamilyHandle* sketches) {
  // Every (entity, second), by entity in key order, then by second.
  std::vector<const std::pair<const EntitySecond, Counts>*> seconds;
  seconds.reserve(by_second_.size());
  for (const auto& entry : by_second_) {
    if (!IsZero(entry.second)) seconds.push_back(&entry);
  }
  std::sort(seconds.begin(), seconds.end(), [](const auto* a, const auto* b) {
    const Entity& ea = a->first.entity;
    const Entity& eb = b->first.entity;
    if (ea.scope != eb.scope) return ea.scope < eb.scope;
    if (const int c = CompareIds(ea.id, eb.id); c != 0) return c < 0;
    return a->first.second < b->first.second;
  });

  std::string key, value;
  rocksdb::Status status;
  auto merge_counts = [&](rocksdb::ColumnFamilyHandle* cf,
                          const Counts& counts) {
    if (IsZero(counts) || !status.ok()) return;  // e.g. a like and its unlike
    value.clear();
    EncodeCounts(counts, &value);
    status = batch->Merge(cf, rocksdb::Slice(key), rocksdb::Slice(value));
  };

  std::vector<ActivityOperand> activity_operands;
  for (size_t begin = 0; begin < seconds.size();) {
    const Entity& entity = seconds[begin]->first.entity;
    size_t end = begin + 1;
    while (end < seconds.size() && seconds[end]->first.entity == entity) ++end;
    CounterKey ck{entity.scope, entity.id, Resolution::kTotal, 0};
    Counts total{};
    for (size_t i = begin; i < end; ++i) AddInto(total, seconds[i]->second);
    key.clear();
    EncodeCounterKey(ck, &key);
    merge_counts(counters, total);
    const bool has_activity =
        entity.scope == Scope::kPost || entity.scope == Scope::kHashtag;
    for (const ResolutionWidth& rw : kResolutions) {
      ck.res = rw.res;
      // Seconds ascend, so each bucket's seconds are adjacent.
      for (size_t i = begin; i < end;) {
        const uint64_t second = seconds[i]->first.second;
        ck.bucket = second - second % rw.seconds;
        Counts sum{};
        for (; i < end && seconds[i]->first.second - ck.bucket < rw.seconds;
             ++i) {
          AddInto(sum, seconds[i]->second);
        }
        key.clear();
        EncodeCounterKey(ck, &key);
        merge_counts(counters, sum);
        if (has_activity &&
            (rw.res == Resolution::kSecond || rw.res == Resolution::kMinute)) {
          activity_operands.push_back({rw.res, ck.bucket, entity, sum});
        }
      }
    }
    begin = end;
  }

  // Each (resolution, bucket, entity) came out once above: no duplicates.
  std::sort(activity_operands.begin(), activity_operands.end(), ActivityLess);
  for (const ActivityOperand& op : activity_operands) {
    key.clear();
    EncodeActivityKey(
        ActivityKey{op.res, op.bucket, op.entity.scope, op.entity.id}, &key);
    merge_counts(activity, op.counts);
  }

  std::vector<const std::pair<const Entity, HyperLogLog>*> users;
  users.reserve(sketches_.size());
  for (const auto& entry : sketches_) users.push_back(&entry);
  std::sort(users.begin(), users.end(), [](const auto* a, const auto* b) {
    return EntityLess(a->first, b->first);
  });
  for (const auto* entry : users) {
    if (!status.ok()) break;
    key = SketchKey(entry->first.scope, entry->first.id);
    value.clear();
    entry->second.Encode(&value);
    status = batch->Merge(sketches, rocksdb::Slice(key), rocksdb::Slice(value));
  }
  return status;
}

}  // namespace pulse::storage
