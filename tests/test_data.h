// Builders of test data shared by the end-to-end tests.
#ifndef PULSE_TESTS_TEST_DATA_H_
#define PULSE_TESTS_TEST_DATA_H_

#include <string>
#include <vector>

#include "pulse/v1/analytics.pb.h"

namespace pulse::testing {

// A post on `account` with `tags`, platform "x".
v1::Post MakePost(const std::string& id, const std::string& account,
                  std::vector<std::string> tags);
// An engagement at the server's time.
v1::Engagement MakeEngagement(const std::string& event_id,
                              const std::string& post_id,
                              v1::EngagementKind kind, int64_t count,
                              const std::string& user = "");
// A follower change at the server's time.
v1::FollowChange MakeFollow(const std::string& event_id,
                            const std::string& account, int64_t delta);
// Three posts (p1: a1 #news #tech, p2: a1 #news, p3: a2 #sports) with known
// engagements: engagements p1 6, p3 6, p2 1; likes p1 3, p3 2, p2 1; global
// impressions 160, engagements 13, followers 12.
v1::IngestRequest SampleBatch();

}  // namespace pulse::testing

#endif  // PULSE_TESTS_TEST_DATA_H_
