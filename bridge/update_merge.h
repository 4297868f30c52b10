// Folds the Update messages of one Subscribe stream into the full state they
// describe, so a socket that joins late or skipped updates can be sent one
// snapshot instead of a history.
#ifndef PULSE_BRIDGE_UPDATE_MERGE_H_
#define PULSE_BRIDGE_UPDATE_MERGE_H_

#include "pulse/v1/analytics.pb.h"

namespace pulse::bridge {

// Applies `update` to `state`: a snapshot replaces it; otherwise posts,
// accounts and hashtags are replaced by key (post_id, account_id, hashtag)
// or appended, and global, top_posts and trending are replaced when present.
// seq and time follow the update; state.snapshot is left true.
void MergeUpdate(const v1::Update& update, v1::Update* state);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_UPDATE_MERGE_H_
