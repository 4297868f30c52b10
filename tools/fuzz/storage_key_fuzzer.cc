// Any bytes as a RocksDB key, through every key decoder of storage/key_codec
// and the retention compaction filters that decode keys of the counters and
// activity column families (the one place keys from disk decide anything).
// Properties: no crash, and a key that decodes is canonical: encoding what
// was decoded gives the same bytes (a decoder accepting what no encoder
// writes would let two byte strings name one counter).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "rocksdb/compaction_filter.h"
#include "storage/clock.h"
#include "storage/key_codec.h"
#include "storage/retention_filter.h"
#include "tools/fuzz/fuzz_check.h"

namespace pulse::storage {
namespace {

struct Filters {
  ManualClock clock{absl::FromUnixSeconds(1'767'225'600)};  // 2026-01-01
  std::unique_ptr<rocksdb::CompactionFilter> counters;
  std::unique_ptr<rocksdb::CompactionFilter> activity;
};

const Filters& TheFilters() {
  static const Filters* filters = [] {
    auto* f = new Filters;
    // The server's default retention.
    RetentionPolicy policy;
    policy.second = absl::Hours(2);
    policy.minute = absl::Hours(24 * 14);
    policy.hour = absl::Hours(24 * 400);
    const rocksdb::CompactionFilter::Context context{
        true, false, 0, rocksdb::TableFileCreationReason::kCompaction};
    f->counters = BucketRetentionFilterFactory(BucketKeyLayout::kCounters,
                                               policy, &f->clock)
                      .CreateCompactionFilter(context);
    f->activity = BucketRetentionFilterFactory(BucketKeyLayout::kActivity,
                                               policy, &f->clock)
                      .CreateCompactionFilter(context);
    return f;
  }();
  return *filters;
}

void Filter(const rocksdb::CompactionFilter& filter, std::string_view key) {
  std::string new_value, skip_until;
  for (auto type : {rocksdb::CompactionFilter::ValueType::kValue,
                    rocksdb::CompactionFilter::ValueType::kMergeOperand}) {
    const auto decision =
        filter.FilterV2(0, rocksdb::Slice(key.data(), key.size()), type,
                        rocksdb::Slice(), &new_value, &skip_until);
    PULSE_FUZZ_CHECK(
        decision == rocksdb::CompactionFilter::Decision::kKeep ||
            decision == rocksdb::CompactionFilter::Decision::kRemove,
        "a retention filter keeps or removes");
  }
}

void FuzzKey(std::string_view in) {
  CounterKey counter;
  if (DecodeCounterKey(in, &counter)) {
    PULSE_FUZZ_CHECK(CounterKeyString(counter) == in,
                     "a counters key re-encodes to itself");
  }
  ActivityKey activity;
  if (DecodeActivityKey(in, &activity)) {
    std::string out;
    EncodeActivityKey(activity, &out);
    PULSE_FUZZ_CHECK(out == in, "an activity key re-encodes to itself");
    PULSE_FUZZ_CHECK(
        out.compare(0, 9, ActivityKeyPrefix(activity.res, activity.bucket)) ==
            0,
        "an activity key starts with its scan prefix");
  }
  IdempotencyKind kind;
  std::string_view id;
  if (DecodeIdempotencyKey(in, &kind, &id)) {
    PULSE_FUZZ_CHECK(IdempotencyKeyString(kind, id) == in,
                     "an idempotency key re-encodes to itself");
  }
  Scope scope;
  if (DecodeSketchKey(in, &scope, &id)) {
    PULSE_FUZZ_CHECK(SketchKey(scope, id) == in,
                     "a sketch key re-encodes to itself");
  }

  const Filters& filters = TheFilters();
  Filter(*filters.counters, in);
  Filter(*filters.activity, in);
}

}  // namespace
}  // namespace pulse::storage

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pulse::storage::FuzzKey(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
