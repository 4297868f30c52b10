// Store's write path: dedupe, attribution, pre-aggregation and one WriteBatch.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"
#include "server/log.h"
#include "storage/batch_aggregator.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_status.h"
#include "storage/status_macros.h"
#include "storage/store_impl.h"
#include "storage/value_codec.h"

namespace pulse::storage {
namespace {

// Calls fn once per distinct hashtag: a tag listed twice counts once.
template <typename Fn>
void ForEachDistinctHashtag(const std::vector<std::string>& tags, Fn fn) {
  for (size_t i = 0; i < tags.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = tags[j] == tags[i];
    if (!seen) fn(tags[i]);
  }
}

// A batch more than SeenRecord::kWindow below its producer's highest
// sequence cannot be told from a re-send and is answered as one. A producer
// whose batches drift that far apart loses them that way, so the log says
// so: at most one line in 10 s, counting the batches since the last one
// (the id escaped: it is the client's, and may hold a line break).
void WarnBelowWindow(const std::string& producer_id, uint64_t sequence,
                     uint64_t highest) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::Time next_line ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  static uint64_t since_last ABSL_GUARDED_BY(mu) = 0;
  absl::MutexLock lock(&mu);
  ++since_last;
  const absl::Time now = absl::Now();
  if (now < next_line) return;
  next_line = now + absl::Seconds(10);
  server::Log(
      server::LogLevel::kWarning,
      absl::StrCat("producer \"", absl::CHexEscape(producer_id), "\": batch ",
                   sequence, " is more than ", SeenRecord::kWindow,
                   " below its highest sequence, ", highest,
                   ", and cannot be told from a re-send: answered as a "
                   "duplicate, not stored (",
                   since_last,
                   " such batch(es) since the last such line). Unless these "
                   "are re-sends, keep a producer's batches within ",
                   SeenRecord::kWindow, " sequences of each other"));
  since_last = 0;
}

}  // namespace

absl::Status Store::Impl::DedupeIds(IdempotencyKind kind,
                                    const std::vector<std::string_view>& ids,
                                    absl::Time now, rocksdb::WriteBatch* batch,
                                    std::vector<bool>* dup) {
  dup->assign(ids.size(), false);
  absl::flat_hash_set<std::string_view> in_batch;
  std::vector<size_t> first;  // indices of first occurrences
  std::vector<std::string> keys;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) continue;
    if (!in_batch.insert(ids[i]).second) {
      (*dup)[i] = true;
      continue;
    }
    first.push_back(i);
    keys.push_back(IdempotencyKeyString(kind, ids[i]));
  }
  if (keys.empty()) return absl::OkStatus();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db->MultiGet(rocksdb::ReadOptions(), idempotency, keys.size(), slices.data(),
               values.data(), statuses.data());
  std::string record;
  EncodeSeenRecord({now, 0}, &record);
  for (size_t k = 0; k < keys.size(); ++k) {
    if (statuses[k].ok()) {
      SeenRecord rec;
      if (DecodeSeenRecord(values[k].ToStringView(), &rec) &&
          !SeenExpired(rec.seen_at, now, options.dedupe_retention)) {
        (*dup)[first[k]] = true;
        continue;
      }
    } else if (!statuses[k].IsNotFound()) {
      return FromRocksStatus(statuses[k], "reading event ids");
    }
    rocksdb::Status s =
        batch->Put(idempotency, slices[k], rocksdb::Slice(record));
    if (!s.ok()) return FromRocksStatus(s, "building batch");
  }
  return absl::OkStatus();
}

absl::Status Store::Impl::ResolvePosts(const std::vector<std::string_view>& ids,
                                       PostMap* posts) {
  std::vector<std::string_view> missing;
  for (std::string_view id : ids) {
    auto [it, inserted] = posts->try_emplace(id);
    if (!inserted) continue;
    it->second = post_cache.Lookup(id);
    if (it->second == nullptr) missing.push_back(id);
  }
  if (missing.empty()) return absl::OkStatus();
  return ReadPosts(missing, [&](std::string_view id, PostMeta meta) {
    auto known = std::make_shared<const PostMeta>(std::move(meta));
    post_cache.Insert(known);  // it is what the column family holds
    (*posts)[id] = std::move(known);
  });
}

absl::StatusOr<WriteResult> Store::Impl::Write(const WriteInput& input) {
  absl::MutexLock lock(&write_mu);
  PULSE_RETURN_IF_ERROR(MaybeRecover());
  absl::ReaderMutexLock db_lock(&db_mu);
  PULSE_RETURN_IF_ERROR(CheckWritable());
  const absl::Time now = options.clock->Now();
  WriteResult result;
  rocksdb::WriteBatch batch;

  // Whether this producer's batch was applied before: its record holds the
  // highest sequence and which of those just below it were applied.
  std::string producer_key;
  SeenRecord producer;
  if (!input.producer_id.empty()) {
    producer_key =
        IdempotencyKeyString(IdempotencyKind::kProducer, input.producer_id);
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), idempotency,
                                rocksdb::Slice(producer_key), &value);
    if (s.ok()) {
      if (!DecodeSeenRecord(value.ToStringView(), &producer) ||
          SeenExpired(producer.seen_at, now, options.dedupe_retention)) {
        producer = SeenRecord();  // forgotten: nothing applied
      } else if (producer.Applied(input.sequence)) {
        if (producer.sequence - input.sequence > SeenRecord::kWindow) {
          WarnBelowWindow(input.producer_id, input.sequence, producer.sequence);
        }
        result.duplicate_batch = true;
        return result;
      }
    } else if (!s.IsNotFound()) {
      return FromRocksStatus(s, "reading producer sequence");
    }
  }

  std::vector<std::string_view> ids;
  ids.reserve(input.engagements.size());
  for (const EngagementEvent& e : input.engagements) ids.push_back(e.event_id);
  std::vector<bool> engagement_dup;
  PULSE_RETURN_IF_ERROR(DedupeIds(IdempotencyKind::kEngagement, ids, now,
                                  &batch, &engagement_dup));
  ids.clear();
  for (const FollowEvent& f : input.follows) ids.push_back(f.event_id);
  std::vector<bool> follow_dup;
  PULSE_RETURN_IF_ERROR(
      DedupeIds(IdempotencyKind::kFollow, ids, now, &batch, &follow_dup));

  // Posts are resolved first so that engagements of a post sent in the same
  // batch are attributed to it.
  ids.clear();
  for (const PostMeta& p : input.posts) ids.push_back(p.post_id);
  for (size_t i = 0; i < input.engagements.size(); ++i) {
    if (!engagement_dup[i]) ids.push_back(input.engagements[i].post_id);
  }
  PostMap posts;
  posts.reserve(ids.size());
  PULSE_RETURN_IF_ERROR(ResolvePosts(ids, &posts));

  BatchAggregator agg(input.engagements.size() + input.follows.size());
  std::vector<std::shared_ptr<const PostMeta>> written_posts;
  written_posts.reserve(input.posts.size());
  std::string value;
  // A post counts once, for its account, each of its hashtags and the
  // global totals, at its publication time.
  auto count_post = [&agg](const PostMeta& p, int64_t n) {
    agg.AddCount(Scope::kAccount, p.account_id, p.published_at, kPosts, n);
    ForEachDistinctHashtag(p.hashtags, [&](const std::string& tag) {
      agg.AddCount(Scope::kHashtag, tag, p.published_at, kPosts, n);
    });
    agg.AddCount(Scope::kGlobal, {}, p.published_at, kPosts, n);
  };
  for (const PostMeta& sent : input.posts) {
    std::shared_ptr<const PostMeta>& known = posts[sent.post_id];
    auto next = std::make_shared<PostMeta>(sent);
    next->published_at_defaulted = false;
    const PostMeta& p = *next;
    if (known == nullptr) {
      ++result.new_posts;
      count_post(p, 1);
    } else {
      if (sent.published_at_defaulted) {
        next->published_at = known->published_at;
      }
      if (known->account_id != p.account_id || known->hashtags != p.hashtags ||
          known->published_at != p.published_at) {
        // A post sent again replaces its metadata, and its count moves with
        // it (an engagement stays where it was counted).
        count_post(*known, -1);
        count_post(p, 1);
        result.replaced_posts.push_back(*known);
      }
    }
    known = std::move(next);
    written_posts.push_back(known);
    value.clear();
    EncodePostMeta(p, &value);
    rocksdb::Status s =
        batch.Put(metadata, rocksdb::Slice(PostMetaKey(p.post_id)),
                  rocksdb::Slice(value));
    if (!s.ok()) return FromRocksStatus(s, "building batch");
    ++result.posts_written;
  }

  result.applied.reserve(input.engagements.size());
  for (size_t i = 0; i < input.engagements.size(); ++i) {
    if (engagement_dup[i]) {
      result.duplicate_engagements.push_back(static_cast<int>(i));
      continue;
    }
    const EngagementEvent& e = input.engagements[i];
    const PostMeta* meta = posts[e.post_id].get();
    AppliedEngagement& applied = result.applied.emplace_back();
    applied.post_id = e.post_id;
    applied.kind = e.kind;
    applied.count = e.count;
    applied.time = e.time;
    agg.AddCount(Scope::kPost, e.post_id, e.time, e.kind, e.count);
    agg.AddCount(Scope::kGlobal, {}, e.time, e.kind, e.count);
    if (meta != nullptr) {
      applied.account_id = meta->account_id;
      applied.hashtags = meta->hashtags;
      agg.AddCount(Scope::kAccount, meta->account_id, e.time, e.kind, e.count);
      ForEachDistinctHashtag(meta->hashtags, [&](const std::string& tag) {
        agg.AddCount(Scope::kHashtag, tag, e.time, e.kind, e.count);
      });
    } else {
      result.unknown_post_engagements.push_back(static_cast<int>(i));
    }
    // Impressions are not engagement; an id-less event cannot be told apart.
    if (e.kind != kImpressions && !e.user_id.empty()) {
      agg.AddUser(Scope::kPost, e.post_id, e.user_id);
      if (meta != nullptr)
        agg.AddUser(Scope::kAccount, meta->account_id, e.user_id);
    }
    ++result.engagements_written;
  }

  for (size_t i = 0; i < input.follows.size(); ++i) {
    if (follow_dup[i]) {
      result.duplicate_follows.push_back(static_cast<int>(i));
      continue;
    }
    const FollowEvent& f = input.follows[i];
    agg.AddCount(Scope::kAccount, f.account_id, f.time, kFollowers, f.delta);
    agg.AddCount(Scope::kGlobal, {}, f.time, kFollowers, f.delta);
    result.applied_follows.push_back(f);
    ++result.follows_written;
  }

  if (!producer_key.empty()) {
    producer.seen_at = now;
    producer.Apply(input.sequence);
    value.clear();
    EncodeSeenRecord(producer, &value);
    rocksdb::Status s = batch.Put(idempotency, rocksdb::Slice(producer_key),
                                  rocksdb::Slice(value));
    if (!s.ok()) return FromRocksStatus(s, "building batch");
  }
  PULSE_RETURN_IF_ERROR(FromRocksStatus(
      agg.AppendTo(&batch, counters, activity, sketches), "building batch"));

  if (batch.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync_writes;
    wo.disableWAL = false;
    if (rocksdb::Status s = db->Write(wo, &batch); !s.ok()) {
      // RocksDB's listener has normally recorded it already.
      if (s.IsIOError() && !write_errors->failing())
        write_errors->Failed(s, /*in_wal=*/true);
      return WriteErrorStatus(s, options.data_dir);
    }
  }
  // Only now that the batch is durable may readers see its posts.
  for (std::shared_ptr<const PostMeta>& p : written_posts)
    post_cache.Insert(std::move(p));
  return result;
}

}  // namespace pulse::storage
