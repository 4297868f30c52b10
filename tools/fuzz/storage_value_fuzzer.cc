// Any bytes as a stored RocksDB value, through the value decoders of
// storage/value_codec, the HyperLogLog decoder and both merge operators (which
// RocksDB runs on whatever values and operands are on disk). The input is
// also cut in two to serve as an existing value and an operand.
// Properties: no crash or UB; what decodes re-encodes to something that
// decodes to the same; a merge always succeeds and yields a value that
// decodes; an estimate is finite and non-negative.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rocksdb/slice.h"
#include "storage/counter_merge.h"
#include "storage/hyperloglog.h"
#include "storage/sketch_merge.h"
#include "storage/value_codec.h"
#include "tools/fuzz/fuzz_check.h"

namespace pulse::storage {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

void CheckSketch(std::string_view in) {
  HyperLogLog hll;
  if (!hll.Decode(in)) {
    PULSE_FUZZ_CHECK(hll.empty(), "a failed decode leaves an empty sketch");
    return;
  }
  const double estimate = hll.Estimate();
  PULSE_FUZZ_CHECK(std::isfinite(estimate) && estimate >= 0,
                   "an estimate is finite and non-negative");
  const std::string encoded = hll.Encode();
  HyperLogLog again;
  PULSE_FUZZ_CHECK(again.Decode(encoded), "an encoded sketch decodes");
  PULSE_FUZZ_CHECK(again.Encode() == encoded, "a sketch round-trips");
  PULSE_FUZZ_CHECK(again.Estimate() == estimate,
                   "a round trip keeps the estimate");
}

void CheckPostMeta(std::string_view in) {
  PostMeta meta;
  if (!DecodePostMeta(in, &meta)) return;
  std::string encoded;
  EncodePostMeta(meta, &encoded);
  PostMeta again;
  PULSE_FUZZ_CHECK(DecodePostMeta(encoded, &again), "encoded metadata decodes");
  PULSE_FUZZ_CHECK(again.account_id == meta.account_id &&
                       again.platform == meta.platform &&
                       again.published_at == meta.published_at &&
                       again.hashtags == meta.hashtags,
                   "metadata round-trips");
}

void CheckSeenRecord(std::string_view in) {
  SeenRecord rec;
  if (!DecodeSeenRecord(in, &rec)) return;
  std::string encoded;
  EncodeSeenRecord(rec, &encoded);
  SeenRecord again;
  PULSE_FUZZ_CHECK(DecodeSeenRecord(encoded, &again) &&
                       again.seen_at == rec.seen_at &&
                       again.sequence == rec.sequence &&
                       again.applied_below == rec.applied_below,
                   "an idempotency record round-trips");
}

void CheckMerges(std::string_view existing, std::string_view operand) {
  const rocksdb::Slice existing_slice = ToSlice(existing);
  rocksdb::Slice unused;
  const std::vector<rocksdb::Slice> one = {ToSlice(operand)};
  rocksdb::MergeOperator::MergeOperationInput counter_in(
      rocksdb::Slice("k"), &existing_slice, one, nullptr);
  std::string merged;
  rocksdb::MergeOperator::MergeOperationOutput counter_out(merged, unused);
  PULSE_FUZZ_CHECK(CounterMergeOperator().FullMergeV2(counter_in, &counter_out),
                   "a counter merge succeeds");
  PULSE_FUZZ_CHECK(merged.size() % 8 == 0, "merged counters are whole slots");
  const Counts sum = DecodeCounts(merged);
  const Counts a = DecodeCounts(existing), b = DecodeCounts(operand);
  for (int i = 0; i < kNumSlots; ++i) {
    PULSE_FUZZ_CHECK(
        static_cast<uint64_t>(sum[i]) ==
            static_cast<uint64_t>(a[i]) + static_cast<uint64_t>(b[i]),
        "a counter merge adds slot by slot");
  }
  const std::vector<rocksdb::Slice> operands = {ToSlice(operand),
                                                ToSlice(existing)};
  rocksdb::MergeOperator::MergeOperationInput in(
      rocksdb::Slice("k"), &existing_slice, operands, nullptr);
  std::string sketch;
  rocksdb::MergeOperator::MergeOperationOutput out(sketch, unused);
  PULSE_FUZZ_CHECK(SketchMergeOperator().FullMergeV2(in, &out),
                   "a sketch merge succeeds");
  HyperLogLog union_sketch;
  PULSE_FUZZ_CHECK(union_sketch.Decode(sketch), "a merged sketch decodes");
}

void FuzzValue(std::string_view in) {
  CheckSketch(in);
  CheckPostMeta(in);
  CheckSeenRecord(in);
  DecodeCounts(in);
  const size_t half = in.size() / 2;
  CheckMerges(in.substr(0, half), in.substr(half));
  CheckMerges(in, in);
}

}  // namespace
}  // namespace pulse::storage

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pulse::storage::FuzzValue(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
