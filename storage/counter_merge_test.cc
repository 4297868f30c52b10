#include "storage/counter_merge.h"

#include <deque>
#include <string>
#include <vector>

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

// The operator's full merge of `operands` over `existing` (null: none).
std::string FullMerge(const std::string* existing,
                      const std::vector<std::string>& operands) {
  const rocksdb::Slice existing_slice =
      existing != nullptr ? rocksdb::Slice(*existing) : rocksdb::Slice();
  const std::vector<rocksdb::Slice> slices(operands.begin(), operands.end());
  rocksdb::MergeOperator::MergeOperationInput in(
      "k", existing != nullptr ? &existing_slice : nullptr, slices, nullptr);
  std::string merged;
  rocksdb::Slice unused;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, unused);
  EXPECT_TRUE(CounterMergeOperator().FullMergeV2(in, &out));
  return merged;
}

TEST(CounterMerge, AddsSlotBySlot) {
  const std::string existing = Value(10, 3);
  const Counts c = DecodeCounts(FullMerge(&existing, {Value(5, -4)}));
  EXPECT_EQ(c[kImpressions], 15);
  EXPECT_EQ(c[kLikes], -1);
}

TEST(CounterMerge, MissingExistingValueIsZero) {
  const Counts c = DecodeCounts(FullMerge(nullptr, {Value(7, 2)}));
  EXPECT_EQ(c[kImpressions], 7);
  EXPECT_EQ(c[kLikes], 2);
}

TEST(CounterMerge, SumsEveryOperandOnce) {
  const std::string existing = Value(1, 0);
  std::vector<std::string> operands;
  for (int i = 1; i <= 500; ++i) operands.push_back(Value(i, -1));
  const Counts c = DecodeCounts(FullMerge(&existing, operands));
  EXPECT_EQ(c[kImpressions], 1 + 500 * 501 / 2);
  EXPECT_EQ(c[kLikes], -500);
}

TEST(CounterMerge, PartialMergeOfOperandsIsTheirSum) {
  const std::string a = Value(2, 3), b = Value(4, 5);
  const std::deque<rocksdb::Slice> operands = {a, b};
  std::string out;
  ASSERT_TRUE(
      CounterMergeOperator().PartialMergeMulti("k", operands, &out, nullptr));
  EXPECT_EQ(out, Value(6, 8));
}

TEST(CounterMerge, ShorterOlderValuesAddAsIfPaddedWithZeros) {
  const std::string older = Value(1, 1).substr(0, 8);  // impressions only
  const Counts c = DecodeCounts(FullMerge(&older, {Value(2, 5)}));
  EXPECT_EQ(c[kImpressions], 3);
  EXPECT_EQ(c[kLikes], 5);
}

TEST(CounterMerge, LongerNewerValuesKeepTheirExtraSlots) {
  const std::string older = Value(1, 1);
  const std::string newer = Value(1, 1) + std::string("\x09\0\0\0\0\0\0\0", 8);
  const std::string out = FullMerge(&older, {newer});
  ASSERT_EQ(out.size(), newer.size());
  EXPECT_EQ(out[kCountsValueSize], 9);
  EXPECT_EQ(DecodeCounts(out)[kLikes], 2);
}

TEST(CounterMerge, APartialTrailingSlotIsIgnored) {
  const std::string torn = Value(5, 5) + "\x01\x02\x03";
  const std::string out = FullMerge(nullptr, {torn, Value(1, 1)});
  EXPECT_EQ(out, Value(6, 6));
}

}  // namespace
}  // namespace pulse::storage
