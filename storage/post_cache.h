// A bounded LRU of post metadata in front of the metadata column family, so
// attributing an engagement rarely costs a RocksDB read.
#ifndef PULSE_STORAGE_POST_CACHE_H_
#define PULSE_STORAGE_POST_CACHE_H_

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace pulse::storage {

// Thread-safe; entries are shared and immutable, so a caller may keep one
// after it is evicted.
class PostCache {
 public:
  // Holds at most `capacity` posts; 0 disables the cache.
  explicit PostCache(size_t capacity) : capacity_(capacity) {}

  // The cached metadata of `post_id` (marked recently used), or null.
  std::shared_ptr<const PostMeta> Lookup(std::string_view post_id)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Caches `meta` under meta->post_id, replacing any entry, evicting the
  // least recently used beyond capacity.
  void Insert(std::shared_ptr<const PostMeta> meta) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets every entry.
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using List = std::list<std::shared_ptr<const PostMeta>>;

  const size_t capacity_;
  absl::Mutex mu_;
  List lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  // Keys view into the post_id of the entry they index.
  absl::flat_hash_map<std::string_view, List::iterator> index_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_POST_CACHE_H_
