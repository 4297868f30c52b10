// The one codec for RocksDB keys (and the primitives value encodings share).
//
// Numbers are fixed-width big-endian so that byte order is numeric order and a
// time range of one entity is one contiguous key range. Strings carry a 2-byte
// big-endian length prefix so that no id can run into the next field. Decoders
// take untrusted bytes: they return false on anything malformed, never crash.
#ifndef PULSE_STORAGE_KEY_CODEC_H_
#define PULSE_STORAGE_KEY_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "storage/store.h"

namespace pulse::storage {

// Longest string a length prefix can carry; longer input is truncated (ids are
// validated to be far shorter upstream, so this only keeps encoding total).
inline constexpr size_t kMaxEncodedStringLength = 0xFFFF;

// Appends `v` as 1, 2 or 8 big-endian bytes.
void PutU8(std::string* out, uint8_t v);
void PutU16(std::string* out, uint16_t v);
void PutU64(std::string* out, uint64_t v);
// Appends a 2-byte big-endian length and the (possibly truncated) bytes of `s`.
void PutString(std::string* out, std::string_view s);

// Reads fields from the front of a byte string; every Get returns false (and
// leaves the reader unusable) when the input is too short.
class KeyReader {
 public:
  explicit KeyReader(std::string_view in) : in_(in) {}
  bool GetU8(uint8_t* v);
  bool GetU16(uint16_t* v);
  bool GetU64(uint64_t* v);
  // `s` views into the reader's input.
  bool GetString(std::string_view* s);
  // True when every byte has been consumed.
  bool Done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

// The seconds since the Unix epoch of `t`, rounded down; times before 1970 are
// clamped to 0 (validation at the service edge rejects them anyway) and
// InfiniteFuture to the largest value.
uint64_t KeySecondsFloor(absl::Time t);
// The same rounded up: the first whole second at or after `t`.
uint64_t KeySecondsCeil(absl::Time t);
// The bucket start a key stores for `t` at `res` (0 for kTotal).
uint64_t KeyBucket(Resolution res, absl::Time t);

// counters CF: [scope][id][resolution][bucket start seconds].
struct CounterKey {
  Scope scope = Scope::kGlobal;
  std::string_view id;  // empty for kGlobal
  Resolution res = Resolution::kTotal;
  uint64_t bucket = 0;  // unix seconds; 0 for kTotal
};
// Appends the encoding of `key` to `out` (kGlobal ignores the id).
void EncodeCounterKey(const CounterKey& key, std::string* out);
// Returns the encoding of `key`.
std::string CounterKeyString(const CounterKey& key);
// Parses a whole counters key as EncodeCounterKey writes it (no id for
// kGlobal, bucket 0 for kTotal), so that each counter has one key;
// `key->id` views into `in`.
bool DecodeCounterKey(std::string_view in, CounterKey* key);

// activity CF: [resolution][bucket start seconds][scope][id], time-major.
struct ActivityKey {
  Resolution res = Resolution::kSecond;  // kSecond or kMinute
  uint64_t bucket = 0;
  Scope scope = Scope::kPost;  // kPost or kHashtag
  std::string_view id;
};
void EncodeActivityKey(const ActivityKey& key, std::string* out);
// The smallest key of all activity at `res` from bucket second `bucket` on.
std::string ActivityKeyPrefix(Resolution res, uint64_t bucket);
// Parses a whole activity key; `key->id` views into `in`.
bool DecodeActivityKey(std::string_view in, ActivityKey* key);

// metadata CF: ['p'][post_id].
std::string PostMetaKey(std::string_view post_id);

// idempotency CF: ['e'][engagement event id], ['f'][follow event id],
// ['q'][producer id].
enum class IdempotencyKind : uint8_t {
  kEngagement = 'e',
  kFollow = 'f',
  kProducer = 'q',
};
void EncodeIdempotencyKey(IdempotencyKind kind, std::string_view id,
                          std::string* out);
std::string IdempotencyKeyString(IdempotencyKind kind, std::string_view id);
// Parses a whole idempotency key; `id` views into `in`.
bool DecodeIdempotencyKey(std::string_view in, IdempotencyKind* kind,
                          std::string_view* id);

// sketches CF: [scope][id]; kPost and kAccount.
std::string SketchKey(Scope scope, std::string_view id);
bool DecodeSketchKey(std::string_view in, Scope* scope, std::string_view* id);

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_KEY_CODEC_H_
