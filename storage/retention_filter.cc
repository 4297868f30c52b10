#include "storage/retention_filter.h"

#include <string>
#include <string_view>

#include "storage/key_codec.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

class BucketRetentionFilter final : public rocksdb::CompactionFilter {
 public:
  // `now` is read once per compaction so that one compaction judges all keys
  // against the same instant.
  BucketRetentionFilter(BucketKeyLayout layout, const RetentionPolicy& policy,
                        absl::Time now)
      : layout_(layout), policy_(policy), now_(now) {}

  Decision FilterV2(int /*level*/, const rocksdb::Slice& key,
                    ValueType value_type,
                    const rocksdb::Slice& /*existing_value*/,
                    std::string* /*new_value*/,
                    std::string* /*skip_until*/) const override {
    if (value_type != ValueType::kValue &&
        value_type != ValueType::kMergeOperand) {
      return Decision::kKeep;
    }
    Resolution res;
    uint64_t bucket;
    if (layout_ == BucketKeyLayout::kCounters) {
      CounterKey k;
      if (!DecodeCounterKey(key.ToStringView(), &k)) return Decision::kKeep;
      res = k.res;
      bucket = k.bucket;
    } else {
      ActivityKey k;
      if (!DecodeActivityKey(key.ToStringView(), &k)) return Decision::kKeep;
      res = k.res;
      bucket = k.bucket;
    }
    return BucketExpired(res, bucket, now_, policy_) ? Decision::kRemove
                                                     : Decision::kKeep;
  }

  const char* Name() const override { return "pulse.BucketRetention"; }

 private:
  const BucketKeyLayout layout_;
  const RetentionPolicy policy_;
  const absl::Time now_;
};

class SeenRetentionFilter final : public rocksdb::CompactionFilter {
 public:
  SeenRetentionFilter(absl::Duration retention, absl::Time now)
      : retention_(retention), now_(now) {}

  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/,
              const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    SeenRecord rec;
    if (!DecodeSeenRecord(value.ToStringView(), &rec)) return false;
    return SeenExpired(rec.seen_at, now_, retention_);
  }

  const char* Name() const override { return "pulse.SeenRetention"; }

 private:
  const absl::Duration retention_;
  const absl::Time now_;
};

}  // namespace

absl::Duration RetentionPolicy::For(Resolution res) const {
  switch (res) {
    case Resolution::kSecond:
      return second;
    case Resolution::kMinute:
      return minute;
    case Resolution::kHour:
      return hour;
    case Resolution::kDay:
      return day;
    case Resolution::kTotal:
      break;
  }
  return absl::InfiniteDuration();
}

bool BucketExpired(Resolution res, uint64_t bucket_start, absl::Time now,
                   const RetentionPolicy& policy) {
  if (res == Resolution::kTotal) return false;
  const absl::Duration retention = policy.For(res);
  if (retention == absl::InfiniteDuration()) return false;
  const absl::Time end =
      absl::FromUnixSeconds(static_cast<int64_t>(bucket_start)) +
      BucketWidth(res);
  return end <= now - retention;
}

std::unique_ptr<rocksdb::CompactionFilter>
BucketRetentionFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<BucketRetentionFilter>(layout_, policy_,
                                                 clock_->Now());
}

std::unique_ptr<rocksdb::CompactionFilter>
SeenRetentionFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<SeenRetentionFilter>(retention_, clock_->Now());
}

}  // namespace pulse::storage
