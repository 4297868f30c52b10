// Pre-aggregates the counter and sketch updates of one write batch in memory,
// so that each RocksDB key gets one merge operand per batch however many
// events touch it, and appends the operands in key order.
#ifndef PULSE_STORAGE_BATCH_AGGREGATOR_H_
#define PULSE_STORAGE_BATCH_AGGREGATOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

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
  // The aggregator keeps a view of `id`: its bytes must stay valid and
  // unchanged until AppendTo has returned.
  void AddCount(Scope scope, std::string_view id, absl::Time t, Slot slot,
                int64_t delta);
  // Records that `user_id` engaged with the entity (kPost or kAccount). Keeps
  // a view of `id` as AddCount does; `user_id` is hashed at once.
  void AddUser(Scope scope, std::string_view id, std::string_view user_id);

  // Appends one merge operand per touched key to `batch`, each column
  // family's in increasing key order (a memtable insert resumes its skip-list
  // search where the previous one ended, so ordered operands insert several
  // times faster than random ones).
  rocksdb::Status AppendTo(rocksdb::WriteBatch* batch,
                           rocksdb::ColumnFamilyHandle* counters,
                           rocksdb::ColumnFamilyHandle* activity,
                           rocksdb::ColumnFamilyHandle* sketches);

  // An entity as its keys encode it: scope, then id (empty for kGlobal).
  struct Entity {
    Scope scope;
    std::string_view id;
    bool operator==(const Entity& o) const {
      return scope == o.scope && id == o.id;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Entity& e) {
      return H::combine(std::move(h), e.scope, e.id);
    }
  };
  // One entity's events within one second.
  struct EntitySecond {
    Entity entity;
    uint64_t second;
    bool operator==(const EntitySecond& o) const {
      return entity == o.entity && second == o.second;
    }
    template <typename H>
    friend H AbslHashValue(H h, const EntitySecond& k) {
      return H::combine(std::move(h), k.entity, k.second);
    }
  };

 private:
  // Events of one entity within one second collapse here first; AppendTo
  // derives every resolution's buckets from these.
  absl::flat_hash_map<EntitySecond, Counts> by_second_;
  absl::flat_hash_map<Entity, HyperLogLog> sketches_;
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_BATCH_AGGREGATOR_H_
