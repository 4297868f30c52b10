#include "tests/test_data.h"

namespace pulse::testing {

v1::Post MakePost(const std::string& id, const std::string& account,
                  std::vector<std::string> tags) {
  v1::Post p;
  p.set_post_id(id);
  p.set_account_id(account);
  p.set_platform("x");
  for (auto& t : tags) p.add_hashtags(t);
  return p;
}

v1::Engagement MakeEngagement(const std::string& event_id,
                              const std::string& post_id,
                              v1::EngagementKind kind, int64_t count,
                              const std::string& user) {
  v1::Engagement e;
  e.set_event_id(event_id);
  e.set_post_id(post_id);
  e.set_kind(kind);
  e.set_count(count);
  e.set_user_id(user);
  return e;
}

v1::FollowChange MakeFollow(const std::string& event_id,
                            const std::string& account, int64_t delta) {
  v1::FollowChange f;
  f.set_event_id(event_id);
  f.set_account_id(account);
  f.set_delta(delta);
  return f;
}

v1::IngestRequest SampleBatch() {
  v1::IngestRequest r;
  *r.add_posts() = MakePost("p1", "a1", {"news", "tech"});
  *r.add_posts() = MakePost("p2", "a1", {"news"});
  *r.add_posts() = MakePost("p3", "a2", {"sports"});
  *r.add_engagements() = MakeEngagement("e1", "p1", v1::IMPRESSION, 100);
  *r.add_engagements() = MakeEngagement("e2", "p1", v1::LIKE, 1, "u1");
  *r.add_engagements() = MakeEngagement("e3", "p1", v1::LIKE, 1, "u2");
  *r.add_engagements() = MakeEngagement("e4", "p1", v1::LIKE, 1, "u3");
  *r.add_engagements() = MakeEngagement("e5", "p1", v1::SHARE, 1, "u1");
  *r.add_engagements() = MakeEngagement("e6", "p1", v1::COMMENT, 2, "u4");
  *r.add_engagements() = MakeEngagement("e7", "p2", v1::IMPRESSION, 50);
  *r.add_engagements() = MakeEngagement("e8", "p2", v1::LIKE, 1, "u5");
  *r.add_engagements() = MakeEngagement("e9", "p3", v1::IMPRESSION, 10);
  *r.add_engagements() = MakeEngagement("e10", "p3", v1::LIKE, 2, "u6");
  *r.add_engagements() = MakeEngagement("e11", "p3", v1::CLICK, 4, "u6");
  *r.add_follows() = MakeFollow("f1", "a1", 10);
  *r.add_follows() = MakeFollow("f2", "a1", -3);
  *r.add_follows() = MakeFollow("f3", "a2", 5);
  return r;
}

}  // namespace pulse::testing
