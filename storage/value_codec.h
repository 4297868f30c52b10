// Encodings of RocksDB values: counters, post metadata, idempotency records.
//
// Counter values are little-endian fixed64 per slot (they are never compared
// as bytes, and the merge operator adds them without a decode step). Decoders
// take untrusted bytes and return false rather than crash.
#ifndef PULSE_STORAGE_VALUE_CODEC_H_
#define PULSE_STORAGE_VALUE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "storage/store.h"

namespace pulse::storage {

inline constexpr size_t kCountsValueSize = 8 * kNumSlots;

// Appends the kNumSlots little-endian int64 slots of `c`.
void EncodeCounts(const Counts& c, std::string* out);
// Reads counts from `in`: missing trailing slots (a value from an older
// version) read as 0, extra slots (a newer version) and a partial trailing
// slot are ignored. Never fails.
Counts DecodeCounts(std::string_view in);
// Adds the counter value `value` slot by slot into *sum, a counter value too
// (empty is zero); values of any length: *sum first grows with zero slots to
// `value`'s whole slots, so a newer value's extra slots survive older ones.
// A trailing partial slot is ignored. Wraps on overflow. Never fails.
void AddCountValueInto(std::string_view value, std::string* sum);

// Post metadata (without the post id, which is the key).
void EncodePostMeta(const PostMeta& meta, std::string* out);
// Parses metadata written by EncodePostMeta into `meta` (post_id untouched).
bool DecodePostMeta(std::string_view in, PostMeta* meta);

// An idempotency record: when the id was last seen and, for a producer, the
// highest sequence applied (0 for event ids) and which of the kWindow below it
// were applied too, so that batches stored out of order (concurrent unary
// calls) are each applied once.
struct SeenRecord {
  static constexpr uint64_t kWindow = 64;

  absl::Time seen_at;
  uint64_t sequence = 0;
  // Bit i: sequence - 1 - i was applied. A record written before the window
  // existed decodes with every bit set (each lower sequence taken as applied).
  uint64_t applied_below = 0;

  // Whether a batch with `seq` was applied before. A sequence more than
  // kWindow below the highest cannot be told and is taken for a re-send.
  bool Applied(uint64_t seq) const;
  // Records `seq` as applied.
  void Apply(uint64_t seq);
};
void EncodeSeenRecord(const SeenRecord& rec, std::string* out);
bool DecodeSeenRecord(std::string_view in, SeenRecord* rec);

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_VALUE_CODEC_H_
