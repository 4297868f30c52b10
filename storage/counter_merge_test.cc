#include "storage/counter_merge.h"

#include <string>

#include "gtest/gtest.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

std::string Value(int64_t impressions, int64_t likes) {
  Counts c{};
  c[kImpressions] = impressions;
  c[kLikes] = likes;
  std::string out;
  EncodeCounts(c, &out);
  return out;
}

Counts MergeOf(const std::string* existing, const std::string& value) {
  CounterMergeOperator op;
  rocksdb::Slice existing_slice =
      existing ? rocksdb::Slice(*existing) : rocksdb::Slice();
  std::string out;
  EXPECT_TRUE(op.Merge("k", existing ? &existing_slice : nullptr, value, &out,
                       nullptr));
  return DecodeCounts(out);
}

TEST(CounterMerge, AddsSlotBySlot) {
  const std::string existing = Value(10, 3);
  const Counts c = MergeOf(&existing, Value(5, -4));
  EXPECT_EQ(c[kImpressions], 15);
  EXPECT_EQ(c[kLikes], -1);
}

TEST(CounterMerge, MissingExistingValueIsZero) {
  const Counts c = MergeOf(nullptr, Value(7, 2));
  EXPECT_EQ(c[kImpressions], 7);
  EXPECT_EQ(c[kLikes], 2);
}

TEST(CounterMerge, ShorterOlderValuesAddAsIfPaddedWithZeros) {
  const std::string older = Value(1, 1).substr(0, 8);  // impressions only
  const Counts c = MergeOf(&older, Value(2, 5));
  EXPECT_EQ(c[kImpressions], 3);
  EXPECT_EQ(c[kLikes], 5);
}

TEST(CounterMerge, LongerNewerValuesKeepTheirExtraSlots) {
  std::string newer = Value(1, 1) + std::string("\x09\0\0\0\0\0\0\0", 8);
  std::string out;
  AddCountValues(newer, Value(1, 1), &out);
  ASSERT_EQ(out.size(), newer.size());
  EXPECT_EQ(out[kCountsValueSize], 9);
}

}  // namespace
}  // namespace pulse::storage
