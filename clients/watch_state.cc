#include "clients/watch_state.h"

namespace pulse {
namespace {

// Replaces the entry of `into` with the same key as each item of `from`, or
// appends it; `index` maps keys to positions in `into`.
template <typename T, typename KeyFn>
void MergeById(const google::protobuf::RepeatedPtrField<T>& from, KeyFn key,
               google::protobuf::RepeatedPtrField<T>* into,
               absl::flat_hash_map<std::string, int>* index) {
  for (const T& item : from) {
    auto [it, inserted] = index->try_emplace(key(item), into->size());
    if (inserted) {
      *into->Add() = item;
    } else {
      *into->Mutable(it->second) = item;
    }
  }
}

}  // namespace

void WatchState::Apply(const v1::Update& update) {
  if (update.snapshot()) {
    merged_.Clear();
    post_index_.clear();
    account_index_.clear();
    hashtag_index_.clear();
  }
  merged_.set_seq(update.seq());
  *merged_.mutable_time() = update.time();
  merged_.set_snapshot(update.snapshot());
  MergeById(
      update.posts(), [](const v1::PostStats& p) { return p.post_id(); },
      merged_.mutable_posts(), &post_index_);
  MergeById(
      update.accounts(),
      [](const v1::AccountStats& a) { return a.account_id(); },
      merged_.mutable_accounts(), &account_index_);
  MergeById(
      update.hashtags(), [](const v1::HashtagStats& h) { return h.hashtag(); },
      merged_.mutable_hashtags(), &hashtag_index_);
  if (update.has_global()) *merged_.mutable_global() = update.global();
  if (update.has_top_posts()) *merged_.mutable_top_posts() = update.top_posts();
  if (update.has_trending()) *merged_.mutable_trending() = update.trending();
}

}  // namespace pulse
