#include "storage/post_cache.h"

#include <utility>

namespace pulse::storage {

std::shared_ptr<const PostMeta> PostCache::Lookup(std::string_view post_id) {
  if (capacity_ == 0) return nullptr;
  absl::MutexLock lock(&mu_);
  auto it = index_.find(post_id);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return *it->second;
}

void PostCache::Insert(std::shared_ptr<const PostMeta> meta) {
  if (capacity_ == 0 || meta == nullptr) return;
  absl::MutexLock lock(&mu_);
  auto it = index_.find(meta->post_id);
  if (it != index_.end()) {
    // Erase the index entry first: its key views into the old entry.
    List::iterator old = it->second;
    index_.erase(it);
    lru_.erase(old);
  }
  lru_.push_front(std::move(meta));
  index_.emplace(lru_.front()->post_id, lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back()->post_id);
    lru_.pop_back();
  }
}

void PostCache::Clear() {
  absl::MutexLock lock(&mu_);
  index_.clear();
  lru_.clear();
}

}  // namespace pulse::storage
