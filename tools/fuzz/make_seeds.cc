// Writes the binary seed corpora of the fuzz targets from the real encoders:
// serialized IngestRequests (corpus/ingest), keys of every kind
// (corpus/storage_key) and stored values (corpus/storage_value). Run by hand
// when the formats change: pulse_fuzz_seeds tools/fuzz/corpus
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "absl/time/time.h"
#include "pulse/v1/analytics.pb.h"
#include "storage/hyperloglog.h"
#include "storage/key_codec.h"
#include "storage/value_codec.h"

namespace pulse {
namespace {

namespace fs = std::filesystem;
using storage::Resolution;
using storage::Scope;

// The fuzz targets' fixed "now" (2026-01-01), and a time just before it.
constexpr int64_t kNowSeconds = 1'767'225'600;
constexpr int64_t kThen = kNowSeconds - 90;

void Write(const fs::path& dir, const std::string& name,
           const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

void SetTime(google::protobuf::Timestamp* ts, int64_t seconds, int nanos = 0) {
  ts->set_seconds(seconds);
  ts->set_nanos(nanos);
}

v1::IngestRequest ValidBatch() {
  v1::IngestRequest r;
  v1::Post* p = r.add_posts();
  p->set_post_id("p1");
  p->set_account_id("acme");
  p->set_platform("x");
  p->add_hashtags("#launch");
  p->add_hashtags("rust");
  SetTime(p->mutable_published_at(), kThen - 600);
  const v1::EngagementKind kinds[] = {v1::IMPRESSION, v1::LIKE, v1::SHARE,
                                      v1::COMMENT, v1::CLICK};
  int n = 0;
  for (v1::EngagementKind kind : kinds) {
    v1::Engagement* e = r.add_engagements();
    e->set_event_id("e" + std::to_string(++n));
    e->set_post_id("p1");
    e->set_kind(kind);
    e->set_user_id("u" + std::to_string(n % 3));
    SetTime(e->mutable_time(), kThen + n, 250'000'000);
  }
  v1::FollowChange* f = r.add_follows();
  f->set_event_id("f1");
  f->set_account_id("acme");
  f->set_delta(3);
  SetTime(f->mutable_time(), kThen);
  return r;
}

void IngestSeeds(const fs::path& dir) {
  Write(dir, "valid_batch", ValidBatch().SerializeAsString());

  v1::IngestRequest producer = ValidBatch();
  producer.set_producer_id("loadgen-1");
  producer.set_sequence(42);
  for (auto& e : *producer.mutable_engagements()) e.clear_event_id();
  Write(dir, "producer_batch", producer.SerializeAsString());

  v1::IngestRequest unlike;
  v1::Engagement* e = unlike.add_engagements();
  e->set_event_id("e-unlike");
  e->set_post_id("p1");
  e->set_kind(v1::LIKE);
  e->set_count(-1);
  Write(dir, "unlike_no_time", unlike.SerializeAsString());

  v1::IngestRequest bad;
  bad.add_posts()->set_post_id("no-account");
  v1::Engagement* no_kind = bad.add_engagements();
  no_kind->set_event_id("e1");
  no_kind->set_post_id("p1");
  v1::Engagement* future = bad.add_engagements();
  future->set_event_id("e2");
  future->set_post_id("p1");
  future->set_kind(v1::CLICK);
  SetTime(future->mutable_time(), kNowSeconds + 3600);
  v1::Engagement* nanos = bad.add_engagements();
  nanos->set_event_id("e3");
  nanos->set_post_id("p1");
  nanos->set_kind(v1::SHARE);
  SetTime(nanos->mutable_time(), kThen, 1'000'000'000);
  v1::Engagement* long_id = bad.add_engagements();
  long_id->set_event_id(std::string(300, 'e'));
  long_id->set_post_id("p1");
  long_id->set_kind(v1::LIKE);
  bad.add_follows()->set_account_id("acme");  // no event id, no delta
  v1::Engagement* ok = bad.add_engagements();
  ok->set_event_id("e4");
  ok->set_post_id("p2");
  ok->set_kind(v1::IMPRESSION);
  ok->set_count(1000);
  Write(dir, "mixed_invalid_items", bad.SerializeAsString());

  v1::IngestRequest tags;
  v1::Post* many = tags.add_posts();
  many->set_post_id("p3");
  many->set_account_id("acme");
  for (int i = 0; i < 40; ++i) many->add_hashtags("t" + std::to_string(i));
  v1::Post* old = tags.add_posts();
  old->set_post_id("p4");
  old->set_account_id("acme");
  SetTime(old->mutable_published_at(), -5);
  Write(dir, "too_many_hashtags_and_pre_1970", tags.SerializeAsString());

  // Counts at the int64 edges, as a buggy or hostile producer may send.
  v1::IngestRequest extreme;
  v1::Engagement* bulk = extreme.add_engagements();
  bulk->set_event_id("e-bulk");
  bulk->set_post_id("p1");
  bulk->set_kind(v1::IMPRESSION);
  bulk->set_count(std::numeric_limits<int64_t>::max());
  SetTime(bulk->mutable_time(), kThen);
  v1::FollowChange* mass = extreme.add_follows();
  mass->set_event_id("f-bulk");
  mass->set_account_id("acme");
  mass->set_delta(std::numeric_limits<int64_t>::min());
  SetTime(mass->mutable_time(), kThen);
  Write(dir, "extreme_counts", extreme.SerializeAsString());

  v1::IngestRequest no_sequence;
  no_sequence.set_producer_id("p");
  Write(dir, "producer_without_sequence", no_sequence.SerializeAsString());
}

void KeySeeds(const fs::path& dir) {
  const absl::Time t = absl::FromUnixSeconds(kThen);
  const struct {
    const char* name;
    Scope scope;
    const char* id;
  } scopes[] = {{"global", Scope::kGlobal, ""},
                {"account", Scope::kAccount, "acme"},
                {"post", Scope::kPost, "p1"},
                {"hashtag", Scope::kHashtag, "launch"}};
  const struct {
    const char* name;
    Resolution res;
  } resolutions[] = {{"total", Resolution::kTotal},
                     {"second", Resolution::kSecond},
                     {"minute", Resolution::kMinute},
                     {"hour", Resolution::kHour},
                     {"day", Resolution::kDay}};
  for (const auto& s : scopes) {
    for (const auto& r : resolutions) {
      Write(dir, std::string("counter_") + s.name + "_" + r.name,
            storage::CounterKeyString(
                {s.scope, s.id, r.res, storage::KeyBucket(r.res, t)}));
    }
  }
  for (Scope scope : {Scope::kPost, Scope::kHashtag}) {
    for (Resolution res : {Resolution::kSecond, Resolution::kMinute}) {
      std::string key;
      storage::EncodeActivityKey({res, storage::KeyBucket(res, t), scope, "p1"},
                                 &key);
      Write(dir,
            std::string("activity_") +
                (scope == Scope::kPost ? "post_" : "hashtag_") +
                (res == Resolution::kSecond ? "second" : "minute"),
            key);
    }
  }
  Write(dir, "idempotency_engagement",
        storage::IdempotencyKeyString(storage::IdempotencyKind::kEngagement,
                                      "e1"));
  Write(dir, "idempotency_follow",
        storage::IdempotencyKeyString(storage::IdempotencyKind::kFollow, "f1"));
  Write(dir, "idempotency_producer",
        storage::IdempotencyKeyString(storage::IdempotencyKind::kProducer,
                                      "loadgen-1"));
  Write(dir, "sketch_post", storage::SketchKey(Scope::kPost, "p1"));
  Write(dir, "sketch_account", storage::SketchKey(Scope::kAccount, "acme"));
  Write(dir, "post_meta", storage::PostMetaKey("p1"));
}

void ValueSeeds(const fs::path& dir) {
  std::string counts;
  storage::EncodeCounts({100, 7, 2, 1, 3, -4, 1}, &counts);
  Write(dir, "counts", counts);
  Write(dir, "counts_older_version", counts.substr(0, 40));
  Write(dir, "counts_twice", counts + counts);

  storage::PostMeta meta;
  meta.account_id = "acme";
  meta.platform = "x";
  meta.hashtags = {"launch", "rust"};
  meta.published_at = absl::FromUnixSeconds(kThen);
  std::string encoded;
  storage::EncodePostMeta(meta, &encoded);
  Write(dir, "post_meta", encoded);

  std::string seen;
  storage::EncodeSeenRecord({absl::FromUnixSeconds(kThen), 0}, &seen);
  Write(dir, "seen_event", seen);
  seen.clear();
  storage::EncodeSeenRecord({absl::FromUnixSeconds(kThen), 42, 0b101}, &seen);
  Write(dir, "seen_producer", seen);
  // As written before the window of applied sequences: no window.
  Write(dir, "seen_producer_before_window", seen.substr(0, seen.size() - 8));

  storage::HyperLogLog sparse, dense;
  for (int i = 0; i < 20; ++i) sparse.Add("u" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) dense.Add("u" + std::to_string(i));
  Write(dir, "sketch_sparse", sparse.Encode());
  Write(dir, "sketch_dense", dense.Encode());
  Write(dir, "sketch_sparse_twice", sparse.Encode() + sparse.Encode());
}

}  // namespace
}  // namespace pulse

int main(int argc, char** argv) {
  // Takes no flags: an argument that looks like one (`--help` included) is
  // not taken for the corpus directory, where it would become a new folder.
  const bool help = argc == 2 && (std::strcmp(argv[1], "--help") == 0 ||
                                  std::strcmp(argv[1], "-h") == 0);
  if (argc != 2 || help || argv[1][0] == '-') {
    std::fprintf(help ? stdout : stderr,
                 "usage: %s CORPUS_DIR (tools/fuzz/corpus)\n"
                 "Rewrites the binary fuzz seeds from the real encoders.\n",
                 argv[0]);
    return help ? 0 : 2;
  }
  const std::filesystem::path root(argv[1]);
  pulse::IngestSeeds(root / "ingest");
  pulse::KeySeeds(root / "storage_key");
  pulse::ValueSeeds(root / "storage_value");
  return 0;
}
