#include "server/scope.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace pulse::server {
namespace {

absl::Status Denied(absl::string_view field, absl::string_view why) {
  return absl::PermissionDeniedError(absl::StrCat(field, ": ", why));
}

// The account a stored post belongs to; empty when the post is unknown.
absl::StatusOr<std::string> StoredPostAccount(const storage::Store& store,
                                              const std::string& post_id) {
  absl::StatusOr<std::optional<storage::PostMeta>> meta =
      store.GetPost(post_id);
  if (!meta.ok()) return meta.status();
  return meta->has_value() ? (*meta)->account_id : std::string();
}

absl::Status CheckStoredPost(const Principal& who, const storage::Store& store,
                             const std::string& post_id,
                             absl::string_view field) {
  absl::StatusOr<std::string> account = StoredPostAccount(store, post_id);
  if (!account.ok()) return account.status();
  if (account->empty() || !who.Allows(*account)) {
    return Denied(field, absl::StrCat("post '", post_id,
                                      "' is not a known post of this "
                                      "token's accounts"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckAccount(const Principal& who, absl::string_view account_id,
                          absl::string_view field) {
  if (who.Allows(account_id)) return absl::OkStatus();
  return Denied(field, absl::StrCat("account '", account_id,
                                    "' is outside this token's accounts"));
}

absl::Status CheckPost(const Principal& who, const v1::PostStats& stats,
                       absl::string_view field) {
  if (!who.scoped()) return absl::OkStatus();
  if (stats.known() && who.Allows(stats.account_id())) return absl::OkStatus();
  return Denied(field, absl::StrCat("post '", stats.post_id(),
                                    "' is not a known post of this token's "
                                    "accounts"));
}

absl::Status CheckUnscoped(const Principal& who, absl::string_view what) {
  if (!who.scoped()) return absl::OkStatus();
  return Denied(what,
                "spans every account; this token is limited to some accounts");
}

absl::Status CheckIngestScope(const Principal& who,
                              const v1::IngestRequest& request,
                              const storage::WriteInput& valid,
                              const storage::Store& store) {
  if (!who.scoped()) return absl::OkStatus();
  for (int i = 0; i < request.posts_size(); ++i) {
    const v1::Post& post = request.posts(i);
    // Items without the id are validation's to reject, one by one.
    if (post.post_id().empty() || post.account_id().empty()) continue;
    if (absl::Status s = CheckAccount(
            who, post.account_id(), absl::StrCat("posts[", i, "].account_id"));
        !s.ok()) {
      return s;
    }
    // Nor may it move another account's stored post into one of its own.
    absl::StatusOr<std::string> owner =
        StoredPostAccount(store, post.post_id());
    if (!owner.ok()) return owner.status();
    if (!owner->empty() && !who.Allows(*owner)) {
      return Denied(absl::StrCat("posts[", i, "].post_id"),
                    absl::StrCat("post '", post.post_id(),
                                 "' is stored under an account outside this "
                                 "token's accounts"));
    }
  }
  // Checked above; the ones validation rejected are not stored, so
  // engagements naming them would be stored unattributed, and count for
  // whichever account registers the id later.
  absl::flat_hash_set<std::string> batch_posts;
  for (const storage::PostMeta& post : valid.posts) {
    batch_posts.insert(post.post_id);
  }
  for (int i = 0; i < request.follows_size(); ++i) {
    if (request.follows(i).account_id().empty()) continue;
    if (absl::Status s =
            CheckAccount(who, request.follows(i).account_id(),
                         absl::StrCat("follows[", i, "].account_id"));
        !s.ok()) {
      return s;
    }
  }
  // A batch's engagements mostly repeat a few posts: look each up once.
  absl::flat_hash_set<std::string> checked;
  for (int i = 0; i < request.engagements_size(); ++i) {
    const std::string& post_id = request.engagements(i).post_id();
    if (post_id.empty() || batch_posts.contains(post_id) ||
        checked.contains(post_id)) {
      continue;
    }
    if (absl::Status s = CheckStoredPost(
            who, store, post_id, absl::StrCat("engagements[", i, "].post_id"));
        !s.ok()) {
      return s;
    }
    checked.insert(post_id);
  }
  return absl::OkStatus();
}

absl::Status CheckSubscribeScope(const Principal& who,
                                 const v1::SubscribeRequest& request) {
  if (!who.scoped()) return absl::OkStatus();
  for (int i = 0; i < request.account_ids_size(); ++i) {
    if (absl::Status s = CheckAccount(who, request.account_ids(i),
                                      absl::StrCat("account_ids[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  if (request.hashtags_size() > 0) return CheckUnscoped(who, "hashtags");
  if (request.global()) return CheckUnscoped(who, "global");
  if (request.has_trending()) return CheckUnscoped(who, "trending");
  if (request.has_top_posts() && !request.top_posts().account_id().empty()) {
    return CheckAccount(who, request.top_posts().account_id(),
                        "top_posts.account_id");
  }
  return absl::OkStatus();
}

absl::Status CheckTimeSeriesScope(const Principal& who,
                                  const v1::QueryTimeSeriesRequest& request,
                                  const storage::Store& store) {
  if (!who.scoped()) return absl::OkStatus();
  switch (request.entity_case()) {
    case v1::QueryTimeSeriesRequest::kPostId:
      return CheckStoredPost(who, store, request.post_id(), "post_id");
    case v1::QueryTimeSeriesRequest::kAccountId:
      return CheckAccount(who, request.account_id(), "account_id");
    case v1::QueryTimeSeriesRequest::kHashtag:
      return CheckUnscoped(who, "hashtag");
    default:
      return CheckUnscoped(who, "global");
  }
}

}  // namespace pulse::server
