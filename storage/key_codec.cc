#include "storage/key_codec.h"

#include <limits>

namespace pulse::storage {
namespace {

bool ValidScope(uint8_t v) {
  return v >= static_cast<uint8_t>(Scope::kGlobal) &&
         v <= static_cast<uint8_t>(Scope::kHashtag);
}

bool ValidResolution(uint8_t v) {
  return v <= static_cast<uint8_t>(Resolution::kDay);
}

}  // namespace

void PutU8(std::string* out, uint8_t v) {
  out->push_back(static_cast<char>(v));
}

void PutU16(std::string* out, uint16_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 2);
}

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v);
    v >>= 8;
  }
  out->append(b, 8);
}

void PutString(std::string* out, std::string_view s) {
  if (s.size() > kMaxEncodedStringLength)
    s = s.substr(0, kMaxEncodedStringLength);
  PutU16(out, static_cast<uint16_t>(s.size()));
  out->append(s.data(), s.size());
}

bool KeyReader::GetU8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool KeyReader::GetU16(uint16_t* v) {
  if (in_.size() < 2) {
    in_ = {};
    return false;
  }
  *v = static_cast<uint16_t>((static_cast<uint8_t>(in_[0]) << 8) |
                             static_cast<uint8_t>(in_[1]));
  in_.remove_prefix(2);
  return true;
}

bool KeyReader::GetU64(uint64_t* v) {
  if (in_.size() < 8) {
    in_ = {};
    return false;
  }
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<uint8_t>(in_[i]);
  *v = r;
  in_.remove_prefix(8);
  return true;
}

bool KeyReader::GetString(std::string_view* s) {
  uint16_t len = 0;
  if (!GetU16(&len)) return false;
  if (in_.size() < len) {
    in_ = {};
    return false;
  }
  *s = in_.substr(0, len);
  in_.remove_prefix(len);
  return true;
}

uint64_t KeySecondsFloor(absl::Time t) {
  if (t <= absl::UnixEpoch()) return 0;
  if (t == absl::InfiniteFuture()) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(absl::ToUnixSeconds(t));  // ToUnixSeconds floors
}

uint64_t KeySecondsCeil(absl::Time t) {
  const uint64_t floor = KeySecondsFloor(t);
  if (t <= absl::UnixEpoch() || floor == std::numeric_limits<uint64_t>::max())
    return floor;
  return absl::FromUnixSeconds(static_cast<int64_t>(floor)) == t ? floor
                                                                 : floor + 1;
}

uint64_t KeyBucket(Resolution res, absl::Time t) {
  if (res == Resolution::kTotal) return 0;
  return KeySecondsFloor(BucketStart(res, t));
}

void EncodeCounterKey(const CounterKey& key, std::string* out) {
  PutU8(out, static_cast<uint8_t>(key.scope));
  PutString(out, key.scope == Scope::kGlobal ? std::string_view() : key.id);
  PutU8(out, static_cast<uint8_t>(key.res));
  PutU64(out, key.res == Resolution::kTotal ? 0 : key.bucket);
}

std::string CounterKeyString(const CounterKey& key) {
  std::string out;
  out.reserve(12 + key.id.size());
  EncodeCounterKey(key, &out);
  return out;
}

bool DecodeCounterKey(std::string_view in, CounterKey* key) {
  KeyReader r(in);
  uint8_t scope = 0, res = 0;
  if (!r.GetU8(&scope) || !ValidScope(scope)) return false;
  if (!r.GetString(&key->id)) return false;
  if (!r.GetU8(&res) || !ValidResolution(res)) return false;
  if (!r.GetU64(&key->bucket) || !r.Done()) return false;
  // Only the encoding EncodeCounterKey writes: one key per counter.
  if (scope == static_cast<uint8_t>(Scope::kGlobal) && !key->id.empty())
    return false;
  if (res == static_cast<uint8_t>(Resolution::kTotal) && key->bucket != 0)
    return false;
  key->scope = static_cast<Scope>(scope);
  key->res = static_cast<Resolution>(res);
  return true;
}

void EncodeActivityKey(const ActivityKey& key, std::string* out) {
  PutU8(out, static_cast<uint8_t>(key.res));
  PutU64(out, key.bucket);
  PutU8(out, static_cast<uint8_t>(key.scope));
  PutString(out, key.id);
}

std::string ActivityKeyPrefix(Resolution res, uint64_t bucket) {
  std::string out;
  PutU8(&out, static_cast<uint8_t>(res));
  PutU64(&out, bucket);
  return out;
}

bool DecodeActivityKey(std::string_view in, ActivityKey* key) {
  KeyReader r(in);
  uint8_t res = 0, scope = 0;
  if (!r.GetU8(&res) || !ValidResolution(res) || res == 0) return false;
  if (!r.GetU64(&key->bucket)) return false;
  if (!r.GetU8(&scope) || !ValidScope(scope)) return false;
  if (!r.GetString(&key->id) || !r.Done()) return false;
  key->res = static_cast<Resolution>(res);
  key->scope = static_cast<Scope>(scope);
  return true;
}

std::string PostMetaKey(std::string_view post_id) {
  std::string out;
  out.reserve(3 + post_id.size());
  PutU8(&out, 'p');
  PutString(&out, post_id);
  return out;
}

void EncodeIdempotencyKey(IdempotencyKind kind, std::string_view id,
                          std::string* out) {
  PutU8(out, static_cast<uint8_t>(kind));
  PutString(out, id);
}

std::string IdempotencyKeyString(IdempotencyKind kind, std::string_view id) {
  std::string out;
  out.reserve(3 + id.size());
  EncodeIdempotencyKey(kind, id, &out);
  return out;
}

bool DecodeIdempotencyKey(std::string_view in, IdempotencyKind* kind,
                          std::string_view* id) {
  KeyReader r(in);
  uint8_t k = 0;
  if (!r.GetU8(&k)) return false;
  if (k != 'e' && k != 'f' && k != 'q') return false;
  if (!r.GetString(id) || !r.Done()) return false;
  *kind = static_cast<IdempotencyKind>(k);
  return true;
}

std::string SketchKey(Scope scope, std::string_view id) {
  std::string out;
  out.reserve(3 + id.size());
  PutU8(&out, static_cast<uint8_t>(scope));
  PutString(&out, id);
  return out;
}

bool DecodeSketchKey(std::string_view in, Scope* scope, std::string_view* id) {
  KeyReader r(in);
  uint8_t s = 0;
  if (!r.GetU8(&s) || !ValidScope(s)) return false;
  if (!r.GetString(id) || !r.Done()) return false;
  *scope = static_cast<Scope>(s);
  return true;
}

}  // namespace pulse::storage
