// Compaction filters enforcing retention: counter buckets per resolution (on
// the counters and activity column families) and remembered ids (on the
// idempotency column family). Until a compaction runs, expired buckets stay
// readable; expired ids are ignored by Write, which applies SeenExpired too.
#ifndef PULSE_STORAGE_RETENTION_FILTER_H_
#define PULSE_STORAGE_RETENTION_FILTER_H_

#include <memory>

#include "absl/time/time.h"
#include "rocksdb/compaction_filter.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace pulse::storage {

// How long buckets of each resolution are kept; InfiniteDuration = forever.
struct RetentionPolicy {
  absl::Duration second = absl::InfiniteDuration();
  absl::Duration minute = absl::InfiniteDuration();
  absl::Duration hour = absl::InfiniteDuration();
  absl::Duration day = absl::InfiniteDuration();

  // The retention of `res`; InfiniteDuration for kTotal.
  absl::Duration For(Resolution res) const;
};

// True when the bucket of `res` starting at unix second `bucket_start` ended
// at least `policy.For(res)` before `now`. kTotal never expires.
bool BucketExpired(Resolution res, uint64_t bucket_start, absl::Time now,
                   const RetentionPolicy& policy);

// True when an id seen at `seen_at` is to be forgotten at `now`.
inline bool SeenExpired(absl::Time seen_at, absl::Time now,
                        absl::Duration retention) {
  return retention != absl::InfiniteDuration() && seen_at + retention < now;
}

// Which key layout a bucket retention filter decodes.
enum class BucketKeyLayout { kCounters, kActivity };

// Creates, per compaction, a filter dropping expired buckets (values and
// merge operands alike; the key alone decides). Keys that fail to decode are
// kept. `clock` is not owned and must outlive the factory.
class BucketRetentionFilterFactory final
    : public rocksdb::CompactionFilterFactory {
 public:
  BucketRetentionFilterFactory(BucketKeyLayout layout, RetentionPolicy policy,
                               const Clock* clock)
      : layout_(layout), policy_(policy), clock_(clock) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "pulse.BucketRetention"; }

 private:
  const BucketKeyLayout layout_;
  const RetentionPolicy policy_;
  const Clock* const clock_;
};

// Creates, per compaction, a filter dropping idempotency records last seen
// more than `retention` ago. Records that fail to decode are kept. `clock` is
// not owned and must outlive the factory.
class SeenRetentionFilterFactory final
    : public rocksdb::CompactionFilterFactory {
 public:
  SeenRetentionFilterFactory(absl::Duration retention, const Clock* clock)
      : retention_(retention), clock_(clock) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "pulse.SeenRetention"; }

 private:
  const absl::Duration retention_;
  const Clock* const clock_;
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_RETENTION_FILTER_H_
