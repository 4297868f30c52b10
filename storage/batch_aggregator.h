// Pre-aggregates the counter and sketch updates of one write batch in memory,
// so that each RocksDB key gets one merge operand per batch however many
// events touch it.
#ifndef PULSE_STORAGE_BATCH_AGGREGATOR_H_
#define PULSE_STORAGE_BATCH_AGGREGATOR_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/hyperloglog.h"
#include "storage/store.h"

namespace pulse::storage {

// Not thread-safe; one per Write call.
class BatchAggregator {
 public:
  // Prepares for about `expected_events` AddCount calls.
  explicit BatchAggregator(size_t expected_events);

  // Adds `delta` to `slot` of an entity's buckets holding `t` at every
  // resolution and to its total; post and hashtag scopes also feed the
  // activity column family at second and minute resolution. The id is
  // ignored for kGlobal. Times before 1970 count in the epoch's buckets.
  void AddCount(Scope scope, std::string_view id, absl::Time t, Slot slot,
                int64_t delta);
  // Records that `user_id` engaged with the entity (kPost or kAccount).
  void AddUser(Scope scope, std::string_view id, std::string_view user_id);

  // Appends one merge operand per touched key to `batch`.
  rocksdb::Status AppendTo(rocksdb::WriteBatch* batch,
                           rocksdb::ColumnFamilyHandle* counters,
                           rocksdb::ColumnFamilyHandle* activity,
                           rocksdb::ColumnFamilyHandle* sketches);

 private:
  // [scope][id][unix second] -> counts: events of one entity within one second
  // collapse here first, which makes the per-resolution fan-out cheap.
  absl::flat_hash_map<std::string, Counts> by_second_;
  absl::flat_hash_map<std::string, HyperLogLog> sketches_;
  std::string scratch_;  // reused to build lookup keys without allocating
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_BATCH_AGGREGATOR_H_
