// The latest state of everything a subscription watches, folded from its
// Updates, for the live table of `pulse watch`. Knows only the contract.
#ifndef PULSE_CLIENTS_WATCH_STATE_H_
#define PULSE_CLIENTS_WATCH_STATE_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// Folds Updates into one Update holding the latest value of each watched
// entity. Not thread-safe.
class WatchState {
 public:
  // Folds `update` in: a snapshot replaces everything; otherwise posts,
  // accounts and hashtags replace the entry with the same id (a new id is
  // appended), global replaces the totals and a board replaces the board
  // whole. seq, time and snapshot become those of `update`.
  void Apply(const v1::Update& update);

  // Everything seen so far; entities in order of first appearance.
  const v1::Update& merged() const { return merged_; }

 private:
  v1::Update merged_;
  // Index in merged_ of each post, account and hashtag by its id.
  absl::flat_hash_map<std::string, int> post_index_;
  absl::flat_hash_map<std::string, int> account_index_;
  absl::flat_hash_map<std::string, int> hashtag_index_;
};

}  // namespace pulse

#endif  // PULSE_CLIENTS_WATCH_STATE_H_
