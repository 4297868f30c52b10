#include "storage/key_codec.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

absl::Time At(int64_t unix_seconds) {
  return absl::FromUnixSeconds(unix_seconds);
}

TEST(KeyCodec, CounterKeyRoundTrips) {
  const std::string key = CounterKeyString(
      {Scope::kPost, "post-1", Resolution::kMinute, 1'700'000'040});
  CounterKey out;
  ASSERT_TRUE(DecodeCounterKey(key, &out));
  EXPECT_EQ(out.scope, Scope::kPost);
  EXPECT_EQ(out.id, "post-1");
  EXPECT_EQ(out.res, Resolution::kMinute);
  EXPECT_EQ(out.bucket, 1'700'000'040u);
}

TEST(KeyCodec, TotalKeyStoresBucketZero) {
  CounterKey out;
  ASSERT_TRUE(DecodeCounterKey(
      CounterKeyString({Scope::kHashtag, "x", Resolution::kTotal, 99}), &out));
  EXPECT_EQ(out.bucket, 0u);
}

TEST(KeyCodec, GlobalKeyIgnoresTheId) {
  EXPECT_EQ(
      CounterKeyString({Scope::kGlobal, "ignored", Resolution::kDay, 86400}),
      CounterKeyString({Scope::kGlobal, "", Resolution::kDay, 86400}));
}

TEST(KeyCodec, ActivityKeyRoundTrips) {
  std::string key;
  EncodeActivityKey(
      {Resolution::kSecond, 1'700'000'001, Scope::kHashtag, "tag"}, &key);
  ActivityKey out;
  ASSERT_TRUE(DecodeActivityKey(key, &out));
  EXPECT_EQ(out.res, Resolution::kSecond);
  EXPECT_EQ(out.bucket, 1'700'000'001u);
  EXPECT_EQ(out.scope, Scope::kHashtag);
  EXPECT_EQ(out.id, "tag");
}

TEST(KeyCodec, IdempotencyAndSketchKeysRoundTrip) {
  const std::string idempotency_key =
      IdempotencyKeyString(IdempotencyKind::kFollow, "ev");
  IdempotencyKind kind;
  std::string_view id;
  ASSERT_TRUE(DecodeIdempotencyKey(idempotency_key, &kind, &id));
  EXPECT_EQ(kind, IdempotencyKind::kFollow);
  EXPECT_EQ(id, "ev");
  const std::string sketch_key = SketchKey(Scope::kAccount, "acct");
  Scope scope;
  ASSERT_TRUE(DecodeSketchKey(sketch_key, &scope, &id));
  EXPECT_EQ(scope, Scope::kAccount);
  EXPECT_EQ(id, "acct");
}

TEST(KeyCodec, IdsWithEmbeddedZerosAndHighBytesRoundTrip) {
  const std::string id("a\0\xff\x01z", 5);
  const std::string key =
      CounterKeyString({Scope::kAccount, id, Resolution::kHour, 3600});
  CounterKey out;
  ASSERT_TRUE(DecodeCounterKey(key, &out));
  EXPECT_EQ(out.id, id);
}

TEST(KeyCodec, MinuteBucketsSortByTime) {
  // 255 and 256 seconds differ in a higher byte: little-endian would misorder.
  uint64_t prev_bucket = 0;
  std::string prev;
  for (uint64_t b : {uint64_t{0}, uint64_t{60}, uint64_t{240}, uint64_t{300},
                     uint64_t{65'520}, uint64_t{65'580},
                     uint64_t{1'700'000'040}, uint64_t{1'700'000'100}}) {
    const std::string key =
        CounterKeyString({Scope::kPost, "p", Resolution::kMinute, b});
    if (!prev.empty()) {
      EXPECT_LT(prev, key) << prev_bucket << " vs " << b;
    }
    prev = key;
    prev_bucket = b;
  }
}

TEST(KeyCodec, OneEntityTimeRangeIsContiguous) {
  // Keys of another entity or resolution never fall between two minutes of p.
  const std::string lo =
      CounterKeyString({Scope::kPost, "p", Resolution::kMinute, 60});
  const std::string hi =
      CounterKeyString({Scope::kPost, "p", Resolution::kMinute, 180});
  for (const CounterKey& other :
       {CounterKey{Scope::kPost, "p0", Resolution::kMinute, 120},
        CounterKey{Scope::kPost, "", Resolution::kMinute, 120},
        CounterKey{Scope::kPost, "p", Resolution::kSecond, 120},
        CounterKey{Scope::kPost, "p", Resolution::kHour, 0},
        CounterKey{Scope::kAccount, "p", Resolution::kMinute, 120}}) {
    const std::string key = CounterKeyString(other);
    EXPECT_FALSE(lo < key && key < hi) << other.id;
  }
  const std::string mid =
      CounterKeyString({Scope::kPost, "p", Resolution::kMinute, 120});
  EXPECT_TRUE(lo < mid && mid < hi);
}

TEST(KeyCodec, ActivityKeysSortByTimeFirst) {
  std::string a, b;
  EncodeActivityKey({Resolution::kSecond, 100, Scope::kPost, "zzz"}, &a);
  EncodeActivityKey({Resolution::kSecond, 101, Scope::kPost, "aaa"}, &b);
  EXPECT_LT(a, b);
  EXPECT_LE(ActivityKeyPrefix(Resolution::kSecond, 100), a);
  EXPECT_LT(a, ActivityKeyPrefix(Resolution::kSecond, 101));
}

TEST(KeyCodec, MalformedCounterKeysAreRejected) {
  const std::string good =
      CounterKeyString({Scope::kPost, "post", Resolution::kSecond, 7});
  CounterKey out;
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeCounterKey(good.substr(0, n), &out)) << "prefix " << n;
  }
  EXPECT_FALSE(DecodeCounterKey(good + "x", &out));
  std::string bad_scope = good;
  bad_scope[0] = 9;
  EXPECT_FALSE(DecodeCounterKey(bad_scope, &out));
  std::string long_len = good;
  long_len[1] = '\xff';
  EXPECT_FALSE(DecodeCounterKey(long_len, &out));
}

// Found by tools/fuzz (storage_key): these decoded as counters that have
// another key, so two byte strings named one counter.
TEST(KeyCodec, CounterKeysDecodeOnlyInTheOneEncodingTheyAreWrittenIn) {
  CounterKey out;
  std::string total_with_bucket;
  PutU8(&total_with_bucket, static_cast<uint8_t>(Scope::kAccount));
  PutString(&total_with_bucket, "acme");
  PutU8(&total_with_bucket, static_cast<uint8_t>(Resolution::kTotal));
  PutU64(&total_with_bucket, 60);
  EXPECT_FALSE(DecodeCounterKey(total_with_bucket, &out));
  std::string global_with_id;
  PutU8(&global_with_id, static_cast<uint8_t>(Scope::kGlobal));
  PutString(&global_with_id, "acme");
  PutU8(&global_with_id, static_cast<uint8_t>(Resolution::kMinute));
  PutU64(&global_with_id, 60);
  EXPECT_FALSE(DecodeCounterKey(global_with_id, &out));
}

TEST(KeyCodec, RandomBytesNeverCrashTheDecoders) {
  std::mt19937 rng(42);
  for (int i = 0; i < 20'000; ++i) {
    std::string in(rng() % 24, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    CounterKey ck;
    ActivityKey ak;
    IdempotencyKind kind;
    std::string_view id;
    Scope scope;
    PostMeta meta;
    SeenRecord rec;
    DecodeCounterKey(in, &ck);
    DecodeActivityKey(in, &ak);
    DecodeIdempotencyKey(in, &kind, &id);
    DecodeSketchKey(in, &scope, &id);
    DecodePostMeta(in, &meta);
    DecodeSeenRecord(in, &rec);
    DecodeCounts(in);
  }
}

TEST(KeyCodec, OverlongStringsAreTruncatedNotCorrupted) {
  const std::string id(70'000, 'x');
  const std::string key =
      CounterKeyString({Scope::kPost, id, Resolution::kTotal, 0});
  CounterKey out;
  ASSERT_TRUE(DecodeCounterKey(key, &out));
  EXPECT_EQ(out.id.size(), kMaxEncodedStringLength);
}

TEST(KeyCodec, SecondsRoundDownAndUpAndClampBeforeEpoch) {
  EXPECT_EQ(KeySecondsFloor(At(100) + absl::Milliseconds(999)), 100u);
  EXPECT_EQ(KeySecondsCeil(At(100) + absl::Milliseconds(1)), 101u);
  EXPECT_EQ(KeySecondsCeil(At(100)), 100u);
  EXPECT_EQ(KeySecondsFloor(At(-5)), 0u);
  EXPECT_EQ(KeySecondsCeil(absl::InfinitePast()), 0u);
}

TEST(KeyCodec, PostMetaRoundTrips) {
  PostMeta in{
      "p", "acct", "x", {"a", "b"}, At(1'700'000'000) + absl::Microseconds(5)};
  std::string value;
  EncodePostMeta(in, &value);
  PostMeta out;
  ASSERT_TRUE(DecodePostMeta(value, &out));
  EXPECT_EQ(out.account_id, "acct");
  EXPECT_EQ(out.platform, "x");
  EXPECT_EQ(out.hashtags, in.hashtags);
  EXPECT_EQ(out.published_at, in.published_at);
}

TEST(KeyCodec, ShortCountValuesReadMissingSlotsAsZero) {
  Counts c{};
  c[kImpressions] = 5;
  c[kLikes] = -3;
  std::string value;
  EncodeCounts(c, &value);
  const Counts out = DecodeCounts(std::string_view(value).substr(0, 16));
  EXPECT_EQ(out[kImpressions], 5);
  EXPECT_EQ(out[kLikes], -3);
  EXPECT_EQ(out[kPosts], 0);
}

// A producer's record: the highest sequence and which of the 64 below it were
// applied, so that batches applied out of order each count once.
TEST(SeenRecord, SequencesBelowTheHighestAreAppliedEachOnce) {
  SeenRecord rec;  // a producer never seen: nothing applied
  EXPECT_FALSE(rec.Applied(1));
  EXPECT_FALSE(rec.Applied(7));
  rec.Apply(7);
  EXPECT_TRUE(rec.Applied(7));
  for (uint64_t seq = 1; seq < 7; ++seq) EXPECT_FALSE(rec.Applied(seq)) << seq;
  rec.Apply(5);
  EXPECT_TRUE(rec.Applied(5));
  EXPECT_FALSE(rec.Applied(6));
  EXPECT_FALSE(rec.Applied(4));
  rec.Apply(9);  // the window moves up by 2
  EXPECT_EQ(rec.sequence, 9u);
  EXPECT_TRUE(rec.Applied(7));
  EXPECT_TRUE(rec.Applied(5));
  EXPECT_FALSE(rec.Applied(8));
  EXPECT_FALSE(rec.Applied(6));
  EXPECT_FALSE(rec.Applied(10));
}

TEST(SeenRecord, TheWindowHoldsSixtyFourSequencesAndOlderCountAsApplied) {
  SeenRecord rec;
  rec.Apply(100);
  EXPECT_FALSE(rec.Applied(100 - SeenRecord::kWindow));  // the oldest held
  EXPECT_TRUE(rec.Applied(99 - SeenRecord::kWindow));    // too old to tell
  rec.Apply(100 - SeenRecord::kWindow);
  EXPECT_TRUE(rec.Applied(100 - SeenRecord::kWindow));
  rec.Apply(100 + SeenRecord::kWindow);  // 100 becomes the oldest held
  EXPECT_TRUE(rec.Applied(100));
  EXPECT_FALSE(rec.Applied(101));
  rec.Apply(1000);  // a jump past the window forgets it
  EXPECT_FALSE(rec.Applied(1000 - SeenRecord::kWindow));
  EXPECT_FALSE(rec.Applied(999));
}

TEST(SeenRecord, RoundTripsAndReadsARecordFromBeforeTheWindow) {
  SeenRecord in{At(1'700'000'000), 42, 0b1011};
  std::string value;
  EncodeSeenRecord(in, &value);
  SeenRecord out;
  ASSERT_TRUE(DecodeSeenRecord(value, &out));
  EXPECT_EQ(out.seen_at, in.seen_at);
  EXPECT_EQ(out.sequence, 42u);
  EXPECT_EQ(out.applied_below, 0b1011u);
  // Before the window a record ended at the sequence: every lower one was
  // taken as applied, and still is.
  ASSERT_TRUE(DecodeSeenRecord(value.substr(0, value.size() - 8), &out));
  EXPECT_EQ(out.sequence, 42u);
  EXPECT_TRUE(out.Applied(41));
  EXPECT_TRUE(out.Applied(1));
  EXPECT_FALSE(out.Applied(43));
  // An event id's record holds the time alone.
  value.clear();
  EncodeSeenRecord({At(5), 0}, &value);
  ASSERT_TRUE(DecodeSeenRecord(value, &out));
  EXPECT_EQ(out.sequence, 0u);
  EXPECT_FALSE(DecodeSeenRecord(value + "xyz", &out));
  // A sequence of 0 (never written: Encode leaves it out) has nothing below
  // it, so a window beside it reads as empty and the record round-trips.
  const std::string zero_sequence(16, '\0');
  ASSERT_TRUE(DecodeSeenRecord(value + zero_sequence, &out));
  EXPECT_EQ(out.applied_below, 0u);
  ASSERT_TRUE(DecodeSeenRecord(
      value + zero_sequence.substr(0, 8) + std::string(8, '\x05'), &out));
  EXPECT_EQ(out.sequence, 0u);
  EXPECT_EQ(out.applied_below, 0u);
}

}  // namespace
}  // namespace pulse::storage
