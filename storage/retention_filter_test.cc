#include "storage/retention_filter.h"

#include <string>

#include "gtest/gtest.h"
#include "storage/key_codec.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

using Decision = rocksdb::CompactionFilter::Decision;
using ValueType = rocksdb::CompactionFilter::ValueType;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

RetentionPolicy Policy() {
  RetentionPolicy p;
  p.second = absl::Hours(2);
  p.minute = absl::Hours(24);
  return p;
}

Decision FilterCounterKey(const CounterKey& key,
                          ValueType type = ValueType::kMergeOperand) {
  ManualClock clock(kNow);
  BucketRetentionFilterFactory factory(BucketKeyLayout::kCounters, Policy(),
                                       &clock);
  auto filter = factory.CreateCompactionFilter({});
  std::string new_value, skip;
  return filter->FilterV2(0, CounterKeyString(key), type, "", &new_value,
                          &skip);
}

uint64_t Secs(absl::Time t) {
  return static_cast<uint64_t>(absl::ToUnixSeconds(t));
}

TEST(RetentionFilter, BucketEndingExactlyAtTheCutoffIsDropped) {
  const absl::Time cutoff = kNow - absl::Hours(2);
  EXPECT_EQ(FilterCounterKey(
                {Scope::kPost, "p", Resolution::kSecond, Secs(cutoff) - 1}),
            Decision::kRemove);
  EXPECT_EQ(
      FilterCounterKey({Scope::kPost, "p", Resolution::kSecond, Secs(cutoff)}),
      Decision::kKeep);
}

TEST(RetentionFilter, DropsPlainValuesAsWellAsMergeOperands) {
  EXPECT_EQ(FilterCounterKey({Scope::kPost, "p", Resolution::kSecond, 0},
                             ValueType::kValue),
            Decision::kRemove);
}

TEST(RetentionFilter, TotalsAreNeverDropped) {
  EXPECT_EQ(FilterCounterKey({Scope::kPost, "p", Resolution::kTotal, 0}),
            Decision::kKeep);
}

TEST(RetentionFilter, InfiniteRetentionKeepsForever) {
  EXPECT_EQ(FilterCounterKey({Scope::kPost, "p", Resolution::kDay, 0}),
            Decision::kKeep);
}

TEST(RetentionFilter, UndecodableKeysAreKept) {
  ManualClock clock(kNow);
  BucketRetentionFilterFactory factory(BucketKeyLayout::kActivity, Policy(),
                                       &clock);
  auto filter = factory.CreateCompactionFilter({});
  std::string new_value, skip;
  EXPECT_EQ(filter->FilterV2(0, "\x01junk", ValueType::kMergeOperand, "",
                             &new_value, &skip),
            Decision::kKeep);
}

TEST(RetentionFilter, ActivityBucketsExpireByTheirResolution) {
  ManualClock clock(kNow);
  BucketRetentionFilterFactory factory(BucketKeyLayout::kActivity, Policy(),
                                       &clock);
  auto filter = factory.CreateCompactionFilter({});
  std::string old_second, old_minute, new_value, skip;
  const uint64_t three_hours_ago = Secs(kNow - absl::Hours(3));
  EncodeActivityKey({Resolution::kSecond, three_hours_ago, Scope::kPost, "p"},
                    &old_second);
  EncodeActivityKey({Resolution::kMinute, three_hours_ago, Scope::kPost, "p"},
                    &old_minute);
  EXPECT_EQ(filter->FilterV2(0, old_second, ValueType::kMergeOperand, "",
                             &new_value, &skip),
            Decision::kRemove);
  EXPECT_EQ(filter->FilterV2(0, old_minute, ValueType::kMergeOperand, "",
                             &new_value, &skip),
            Decision::kKeep);
}

TEST(RetentionFilter, ForgetsIdsSeenBeforeTheDedupeRetention) {
  ManualClock clock(kNow);
  SeenRetentionFilterFactory factory(absl::Hours(24), &clock);
  auto filter = factory.CreateCompactionFilter({});
  std::string old_value, fresh_value, new_value, skip;
  EncodeSeenRecord({kNow - absl::Hours(25), 0}, &old_value);
  EncodeSeenRecord({kNow - absl::Hours(23), 7}, &fresh_value);
  const std::string key =
      IdempotencyKeyString(IdempotencyKind::kEngagement, "e1");
  EXPECT_EQ(
      filter->FilterV2(0, key, ValueType::kValue, old_value, &new_value, &skip),
      Decision::kRemove);
  EXPECT_EQ(filter->FilterV2(0, key, ValueType::kValue, fresh_value, &new_value,
                             &skip),
            Decision::kKeep);
  EXPECT_EQ(
      filter->FilterV2(0, key, ValueType::kValue, "bad", &new_value, &skip),
      Decision::kKeep);
}

}  // namespace
}  // namespace pulse::storage
