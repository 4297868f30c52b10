// BatchAggregator against a model that encodes every key of every event
// directly: the same operands, summed, each column family in key order.
#include "storage/batch_aggregator.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/comparator.h"
#include "storage/key_codec.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

// Enough of a column family for WriteBatch to record its id.
class FakeColumnFamily : public rocksdb::ColumnFamilyHandle {
 public:
  explicit FakeColumnFamily(uint32_t id) : id_(id) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported();
  }
  const rocksdb::Comparator* GetComparator() const override {
    return rocksdb::BytewiseComparator();
  }

 private:
  uint32_t id_;
  std::string name_ = "fake";
};

constexpr uint32_t kCounters = 1, kActivity = 2, kSketches = 3;

// The merge operands of a batch, per column family id, in batch order.
class Collect : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
    operands[cf].emplace_back(key.ToString(), value.ToString());
    return rocksdb::Status::OK();
  }
  std::map<uint32_t, std::vector<std::pair<std::string, std::string>>> operands;
};

struct Model {
  std::map<std::string, Counts> counters, activity;
  std::map<std::string, HyperLogLog> sketches;

  void AddCount(Scope scope, const std::string& id, absl::Time t, Slot slot,
                int64_t delta) {
    const std::string_view key_id =
        scope == Scope::kGlobal ? std::string_view() : std::string_view(id);
    auto add = [&](Counts& c) {
      c[slot] = static_cast<int64_t>(static_cast<uint64_t>(c[slot]) +
                                     static_cast<uint64_t>(delta));
    };
    add(counters[CounterKeyString({scope, key_id, Resolution::kTotal, 0})]);
    for (Resolution res : {Resolution::kSecond, Resolution::kMinute,
                           Resolution::kHour, Resolution::kDay}) {
      const uint64_t bucket = KeyBucket(res, t);
      add(counters[CounterKeyString({scope, key_id, res, bucket})]);
      if ((scope == Scope::kPost || scope == Scope::kHashtag) &&
          (res == Resolution::kSecond || res == Resolution::kMinute)) {
        std::string key;
        EncodeActivityKey(ActivityKey{res, bucket, scope, key_id}, &key);
        add(activity[key]);
      }
    }
  }
  void AddUser(Scope scope, const std::string& id, const std::string& user) {
    sketches[SketchKey(scope, id)].Add(user);
  }
};

bool AllZero(const Counts& c) {
  for (int64_t v : c) {
    if (v != 0) return false;
  }
  return true;
}

std::vector<std::pair<std::string, Counts>> NonZero(
    const std::map<std::string, Counts>& m) {
  std::vector<std::pair<std::string, Counts>> out;
  for (const auto& [k, c] : m) {
    if (!AllZero(c)) out.emplace_back(k, c);
  }
  return out;
}

std::vector<std::pair<std::string, Counts>> Decoded(
    const std::vector<std::pair<std::string, std::string>>& operands) {
  std::vector<std::pair<std::string, Counts>> out;
  for (const auto& [k, v] : operands) out.emplace_back(k, DecodeCounts(v));
  return out;
}

void ExpectSameAsModel(BatchAggregator& agg, const Model& model) {
  FakeColumnFamily counters(kCounters), activity(kActivity),
      sketches(kSketches);
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(agg.AppendTo(&batch, &counters, &activity, &sketches).ok());
  Collect got;
  ASSERT_TRUE(batch.Iterate(&got).ok());
  // The model's maps are in key order; equal vectors mean the same operands
  // in increasing key order, none for a key whose deltas cancel.
  EXPECT_EQ(Decoded(got.operands[kCounters]), NonZero(model.counters));
  EXPECT_EQ(Decoded(got.operands[kActivity]), NonZero(model.activity));
  std::vector<std::pair<std::string, std::string>> want_sketches;
  for (const auto& [k, hll] : model.sketches)
    want_sketches.emplace_back(k, hll.Encode());
  EXPECT_EQ(got.operands[kSketches], want_sketches);
}

TEST(BatchAggregator, RandomEventsGiveTheModelsOperandsInKeyOrder) {
  // Ids of several lengths: encoded keys order by length before bytes.
  const std::vector<std::string> ids = {"a",   "b",  "ab", "ba", "p9",
                                        "p10", "zz", "p1", "",   "a-long-id"};
  const std::vector<std::string> users = {"u1", "u2", "u3", "u4", "u5"};
  // Across a day boundary, so that every resolution has several buckets.
  const absl::Time start = absl::FromUnixSeconds(1'700'006'400 - 7'300);
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    BatchAggregator agg(100);
    Model model;
    const int events = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < events; ++i) {
      const auto scope = static_cast<Scope>(1 + rng() % 4);
      const std::string& id = ids[rng() % ids.size()];
      const absl::Time t =
          start + absl::Milliseconds(static_cast<int64_t>(rng() % 15'000'000));
      const auto slot = static_cast<Slot>(rng() % kNumSlots);
      const int64_t delta = static_cast<int64_t>(rng() % 7) - 3;
      agg.AddCount(scope, id, t, slot, delta);
      model.AddCount(scope, id, t, slot, delta);
      if (scope == Scope::kPost || scope == Scope::kAccount) {
        const std::string& user = users[rng() % users.size()];
        agg.AddUser(scope, id, user);
        model.AddUser(scope, id, user);
      }
    }
    SCOPED_TRACE(::testing::Message() << "round " << round);
    ExpectSameAsModel(agg, model);
  }
}

TEST(BatchAggregator, ALikeAndItsUnlikeWriteNothing) {
  const std::string post = "p1";
  const absl::Time t = absl::FromUnixSeconds(1'700'000'000);
  BatchAggregator agg(2);
  agg.AddCount(Scope::kPost, post, t, kLikes, 1);
  agg.AddCount(Scope::kPost, post, t + absl::Minutes(5), kLikes, -1);
  Model model;
  model.AddCount(Scope::kPost, post, t, kLikes, 1);
  model.AddCount(Scope::kPost, post, t + absl::Minutes(5), kLikes, -1);
  // The total, hour and day cancel; the two seconds and minutes do not.
  ExpectSameAsModel(agg, model);
  EXPECT_FALSE(model.counters.empty());
}

}  // namespace
}  // namespace pulse::storage
