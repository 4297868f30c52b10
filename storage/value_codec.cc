#include "storage/value_codec.h"

#include <algorithm>
#include <utility>

#include "storage/key_codec.h"

namespace pulse::storage {
namespace {

constexpr uint8_t kPostMetaVersion = 1;
// Post-1970 microseconds; the sign bit is flipped so that the field would also
// sort correctly (and pre-1970 times survive a round trip).
constexpr uint64_t kSignFlip = uint64_t{1} << 63;

uint64_t LoadLE64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void StoreLE64(uint64_t v, char* p) {
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<char>(v);
    v >>= 8;
  }
}

void PutTime(std::string* out, absl::Time t) {
  PutU64(out, static_cast<uint64_t>(absl::ToUnixMicros(t)) ^ kSignFlip);
}

bool GetTime(KeyReader* r, absl::Time* t) {
  uint64_t v = 0;
  if (!r->GetU64(&v)) return false;
  *t = absl::FromUnixMicros(static_cast<int64_t>(v ^ kSignFlip));
  return true;
}

}  // namespace

void EncodeCounts(const Counts& c, std::string* out) {
  char buf[kCountsValueSize];
  for (int i = 0; i < kNumSlots; ++i)
    StoreLE64(static_cast<uint64_t>(c[i]), buf + 8 * i);
  out->append(buf, sizeof(buf));
}

Counts DecodeCounts(std::string_view in) {
  Counts c{};
  const size_t slots = std::min<size_t>(in.size() / 8, kNumSlots);
  for (size_t i = 0; i < slots; ++i)
    c[i] = static_cast<int64_t>(LoadLE64(in.data() + 8 * i));
  return c;
}

void AddCountValueInto(std::string_view value, std::string* sum) {
  const size_t slots = value.size() / 8;
  if (sum->size() < slots * 8) sum->resize(slots * 8, '\0');
  char* p = sum->data();
  for (size_t i = 0; i < slots; ++i) {
    // Unsigned addition wraps instead of overflowing (no UB on hostile input).
    StoreLE64(LoadLE64(p + 8 * i) + LoadLE64(value.data() + 8 * i), p + 8 * i);
  }
}

void EncodePostMeta(const PostMeta& meta, std::string* out) {
  PutU8(out, kPostMetaVersion);
  PutString(out, meta.account_id);
  PutString(out, meta.platform);
  PutTime(out, meta.published_at);
  const size_t n = std::min<size_t>(meta.hashtags.size(), 0xFFFF);
  PutU16(out, static_cast<uint16_t>(n));
  for (size_t i = 0; i < n; ++i) PutString(out, meta.hashtags[i]);
}

bool DecodePostMeta(std::string_view in, PostMeta* meta) {
  KeyReader r(in);
  uint8_t version = 0;
  // Later versions may append fields; they keep this prefix.
  if (!r.GetU8(&version) || version < kPostMetaVersion) return false;
  std::string_view account, platform;
  uint16_t n = 0;
  if (!r.GetString(&account) || !r.GetString(&platform) ||
      !GetTime(&r, &meta->published_at) || !r.GetU16(&n)) {
    return false;
  }
  meta->account_id.assign(account);
  meta->platform.assign(platform);
  meta->hashtags.clear();
  meta->hashtags.reserve(std::min<size_t>(n, r.rest().size() / 2));
  for (uint16_t i = 0; i < n; ++i) {
    std::string_view tag;
    if (!r.GetString(&tag)) return false;
    meta->hashtags.emplace_back(tag);
  }
  return true;
}

void EncodeSeenRecord(const SeenRecord& rec, std::string* out) {
  PutTime(out, rec.seen_at);
  if (rec.sequence != 0) PutU64(out, rec.sequence);
}

bool DecodeSeenRecord(std::string_view in, SeenRecord* rec) {
  KeyReader r(in);
  if (!GetTime(&r, &rec->seen_at)) return false;
  rec->sequence = 0;
  if (r.Done()) return true;
  return r.GetU64(&rec->sequence) && r.Done();
}

}  // namespace pulse::storage
