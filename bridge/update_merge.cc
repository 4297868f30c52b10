#include "bridge/update_merge.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace pulse::bridge {
namespace {

template <typename T, typename KeyFn>
void MergeByKey(const google::protobuf::RepeatedPtrField<T>& changed,
                google::protobuf::RepeatedPtrField<T>* state, KeyFn key) {
  if (changed.empty()) return;
  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < state->size(); ++i) index[key(state->Get(i))] = i;
  for (const T& item : changed) {
    auto it = index.find(key(item));
    if (it != index.end()) {
      *state->Mutable(it->second) = item;
    } else {
      index[key(item)] = state->size();
      *state->Add() = item;
    }
  }
}

}  // namespace

void MergeUpdate(const v1::Update& update, v1::Update* state) {
  if (update.snapshot()) {
    *state = update;
    return;
  }
  state->set_seq(update.seq());
  *state->mutable_time() = update.time();
  state->set_snapshot(true);
  MergeByKey(update.posts(), state->mutable_posts(),
             [](const v1::PostStats& p) { return p.post_id(); });
  MergeByKey(update.accounts(), state->mutable_accounts(),
             [](const v1::AccountStats& a) { return a.account_id(); });
  MergeByKey(update.hashtags(), state->mutable_hashtags(),
             [](const v1::HashtagStats& h) { return h.hashtag(); });
  if (update.has_global()) *state->mutable_global() = update.global();
  if (update.has_top_posts()) *state->mutable_top_posts() = update.top_posts();
  if (update.has_trending()) *state->mutable_trending() = update.trending();
}

}  // namespace pulse::bridge
