// Private to pulse_storage: the state behind Store, shared by store.cc (open,
// reads) and store_write.cc (the write path).
#ifndef PULSE_STORAGE_STORE_IMPL_H_
#define PULSE_STORAGE_STORE_IMPL_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/key_codec.h"
#include "storage/post_cache.h"
#include "storage/retention_filter.h"
#include "storage/store.h"

namespace pulse::storage {

struct Store::Impl {
  explicit Impl(const StoreOptions& opts)
      : options(opts),
        retention{opts.second_retention, opts.minute_retention,
                  opts.hour_retention, opts.day_retention},
        post_cache(opts.post_cache_entries) {}
  // Destroys every column family handle, then closes the database.
  ~Impl();

  // The write path (store_write.cc); serialized by write_mu.
  absl::StatusOr<WriteResult> Write(const WriteInput& input)
      ABSL_LOCKS_EXCLUDED(write_mu);

  // Post id -> metadata (null when unknown) for one batch; keys view into the
  // input batch, which outlives it.
  using PostMap =
      absl::flat_hash_map<std::string_view, std::shared_ptr<const PostMeta>>;
  // Marks in *dup the ids (ids[i], empty = no dedupe) already seen within the
  // batch or remembered, unexpired, in the idempotency column family, and
  // Puts a fresh record for each new one into `batch`.
  absl::Status DedupeIds(IdempotencyKind kind,
                         const std::vector<std::string_view>& ids,
                         absl::Time now, rocksdb::WriteBatch* batch,
                         std::vector<bool>* dup)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu);
  // Resolves into *posts the metadata of `ids` not resolved yet: cache first,
  // then one MultiGet on the metadata column family for the rest.
  absl::Status ResolvePosts(const std::vector<std::string_view>& ids,
                            PostMap* posts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu);

  const StoreOptions options;
  const RetentionPolicy retention;

  std::unique_ptr<rocksdb::DB> db;
  // Every handle opened, including "default" and any column family a newer
  // version created; all are destroyed before the DB.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* counters = nullptr;
  rocksdb::ColumnFamilyHandle* activity = nullptr;
  rocksdb::ColumnFamilyHandle* metadata = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency = nullptr;
  rocksdb::ColumnFamilyHandle* sketches = nullptr;

  // Filled only by Write (under write_mu) so that it never holds metadata
  // older than the metadata column family.
  PostCache post_cache;

  // Serializes writes so that idempotency read-check-write is atomic and a
  // post counts as new exactly once.
  absl::Mutex write_mu;
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_STORE_IMPL_H_
