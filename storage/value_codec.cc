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

bool SeenRecord::Applied(uint64_t seq) const {
  if (seq > sequence) return false;
  const uint64_t below = sequence - seq;
  if (below == 0 || below > kWindow) return true;
  return (applied_below >> (below - 1)) & 1;
}

void SeenRecord::Apply(uint64_t seq) {
  if (seq > sequence) {
    const uint64_t shift = seq - sequence;
    uint64_t moved = shift >= kWindow ? 0 : applied_below << shift;
    if (sequence != 0 && shift <= kWindow) moved |= uint64_t{1} << (shift - 1);
    applied_below = moved;
    sequence = seq;
  } else if (seq < sequence && sequence - seq <= kWindow) {
    applied_below |= uint64_t{1} << (sequence - seq - 1);
  }
}

void EncodeSeenRecord(const SeenRecord& rec, std::string* out) {
  PutTime(out, rec.seen_at);
  if (rec.sequence == 0) return;
  PutU64(out, rec.sequence);
  PutU64(out, rec.applied_below);
}

bool DecodeSeenRecord(std::string_view in, SeenRecord* rec) {
  KeyReader r(in);
  if (!GetTime(&r, &rec->seen_at)) return false;
  rec->sequence = 0;
  rec->applied_below = 0;
  if (r.Done()) return true;
  if (!r.GetU64(&rec->sequence)) return false;
  if (r.Done()) {  // written before the window
    rec->applied_below = rec->sequence == 0 ? 0 : ~uint64_t{0};
    return true;
  }
  if (!r.GetU64(&rec->applied_below) || !r.Done()) return false;
  if (rec->sequence == 0) rec->applied_below = 0;  // nothing below 0
  return true;
}

}  // namespace pulse::storage
