// Marks what ingest changed, for live subscriptions.
#ifndef PULSE_SERVER_CHANGE_TRACKER_H_
#define PULSE_SERVER_CHANGE_TRACKER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace pulse::server {

// What a subscription can watch by id.
enum class WatchKind : char { kPost = 'p', kAccount = 'a', kHashtag = 'h' };

// Keeps a version number per watched key, bumped when ingest changes the key.
// A subscription remembers the versions it last sent and compares: ingest
// costs O(keys it changed) and never walks the subscribers; a subscriber's
// tick costs O(keys it watches). Keys nobody watches are not tracked, so
// memory is bounded by what subscriptions watch. Thread-safe.
class ChangeTracker {
 public:
  // Starts tracking a key (reference counted).
  void Watch(WatchKind kind, absl::string_view id);
  // Stops tracking a key once its last watcher is gone.
  void Unwatch(WatchKind kind, absl::string_view id);
  // The key's current version; 0 for a key not watched. Never lower than a
  // version the key had before, even once it was not watched meanwhile.
  uint64_t Version(WatchKind kind, absl::string_view id) const;

  // Bumped by every write that changes the global totals.
  uint64_t global_version() const { return global_version_.load(); }
  // Bumped by every write that changes the post windows the boards read.
  uint64_t boards_version() const { return boards_version_.load(); }

  // Marks what one stored batch changed. Called by ingest after the write.
  void Publish(const storage::WriteInput& input,
               const storage::WriteResult& result);

 private:
  struct Entry {
    int watchers = 0;
    uint64_t version = 0;
  };
  static std::string Key(WatchKind kind, absl::string_view id);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> watched_ ABSL_GUARDED_BY(mu_);
  // The highest version any key has had: a key's versions never go back,
  // even after it was dropped and watched again.
  uint64_t max_version_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> global_version_{1};
  std::atomic<uint64_t> boards_version_{1};
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_CHANGE_TRACKER_H_
