#include "server/change_tracker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace pulse::server {

std::string ChangeTracker::Key(WatchKind kind, absl::string_view id) {
  return absl::StrCat(
      absl::string_view(reinterpret_cast<const char*>(&kind), 1), id);
}

void ChangeTracker::Watch(WatchKind kind, absl::string_view id) {
  absl::MutexLock lock(&mu_);
  Entry& e = watched_[Key(kind, id)];
  // A key watched again after nobody watched it starts above every version
  // any key had, so above every version a read of it was cached at. (A new
  // watcher of a watched key needs no bump: its first update is a snapshot,
  // and the other watchers have nothing new to send.)
  if (e.watchers++ == 0) e.version = ++max_version_;
}

void ChangeTracker::Unwatch(WatchKind kind, absl::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = watched_.find(Key(kind, id));
  if (it != watched_.end() && --it->second.watchers <= 0) watched_.erase(it);
}

uint64_t ChangeTracker::Version(WatchKind kind, absl::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = watched_.find(Key(kind, id));
  return it == watched_.end() ? 0 : it->second.version;
}

void ChangeTracker::Publish(const storage::WriteInput& input,
                            const storage::WriteResult& result) {
  if (result.duplicate_batch) return;
  const bool changed = !result.applied.empty() ||
                       !result.applied_follows.empty() ||
                       result.new_posts > 0 || !result.replaced_posts.empty();
  if (!changed && result.posts_written == 0) return;
  if (changed) global_version_.fetch_add(1);
  if (!result.applied.empty()) boards_version_.fetch_add(1);

  absl::MutexLock lock(&mu_);
  if (watched_.empty()) return;
  auto bump = [this](WatchKind kind, absl::string_view id)
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                    auto it = watched_.find(Key(kind, id));
                    if (it == watched_.end()) return;
                    max_version_ = std::max(max_version_, ++it->second.version);
                  };
  for (const storage::AppliedEngagement& e : result.applied) {
    bump(WatchKind::kPost, e.post_id);
    if (!e.account_id.empty()) bump(WatchKind::kAccount, e.account_id);
    for (const std::string& tag : e.hashtags) bump(WatchKind::kHashtag, tag);
  }
  for (const storage::FollowEvent& f : result.applied_follows) {
    bump(WatchKind::kAccount, f.account_id);
  }
  for (const storage::PostMeta& p : input.posts) {
    bump(WatchKind::kPost, p.post_id);
    bump(WatchKind::kAccount, p.account_id);
    for (const std::string& tag : p.hashtags) bump(WatchKind::kHashtag, tag);
  }
  // Where a post sent again was counted before: its count moved away.
  for (const storage::PostMeta& p : result.replaced_posts) {
    bump(WatchKind::kAccount, p.account_id);
    for (const std::string& tag : p.hashtags) bump(WatchKind::kHashtag, tag);
  }
}

}  // namespace pulse::server
