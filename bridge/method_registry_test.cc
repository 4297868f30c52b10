#include "bridge/method_registry.h"

#include "gtest/gtest.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse::bridge {
namespace {

TEST(MethodRegistry, FindsMethodsByShortAndFullName) {
  MethodRegistry registry;
  for (const char* name :
       {"GetPostStats", "pulse.v1.AnalyticsService/GetPostStats",
        "/pulse.v1.AnalyticsService/GetPostStats",
        "pulse.v1.AnalyticsService.GetPostStats"}) {
    absl::StatusOr<const MethodInfo*> m = registry.Find(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_EQ((*m)->path, "/pulse.v1.AnalyticsService/GetPostStats");
    EXPECT_TRUE((*m)->unary);
  }
}

TEST(MethodRegistry, UnknownMethodsAreUnimplemented) {
  MethodRegistry registry;
  EXPECT_TRUE(absl::IsUnimplemented(registry.Find("Nope").status()));
  EXPECT_TRUE(absl::IsUnimplemented(
      registry.Find("pulse.v1.Other/GetPostStats").status()));
  EXPECT_TRUE(absl::IsUnimplemented(registry.Find("").status()));
}

TEST(MethodRegistry, KnowsWhichMethodsStream) {
  MethodRegistry registry;
  EXPECT_TRUE((*registry.Find("Subscribe"))->subscribe);
  EXPECT_FALSE((*registry.Find("Subscribe"))->unary);
  EXPECT_FALSE((*registry.Find("IngestStream"))->unary);
  EXPECT_FALSE((*registry.Find("IngestStream"))->subscribe);
}

TEST(MethodRegistry, ParsesParamsIntoTheInputType) {
  MethodRegistry registry;
  auto m =
      registry.ParseInput(**registry.Find("TopPosts"),
                          R"({"window":"300s","metric":"LIKES","limit":5})");
  ASSERT_TRUE(m.ok()) << m.status();
  v1::TopPostsRequest request;
  request.CopyFrom(**m);
  EXPECT_EQ(request.window().seconds(), 300);
  EXPECT_EQ(request.metric(), v1::LIKES);
  EXPECT_EQ(request.limit(), 5);
}

TEST(MethodRegistry, RejectsUnknownFieldsAndWrongTypes) {
  MethodRegistry registry;
  const MethodInfo& m = **registry.Find("GetPostStats");
  EXPECT_TRUE(absl::IsInvalidArgument(
      registry.ParseInput(m, R"({"nope":1})").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      registry.ParseInput(m, R"({"postId":{}})").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      registry.ParseInput(**registry.Find("TopPosts"), R"({"limit":"many"})")
          .status()));
}

// Protobuf's JSON mapping as it prints by default: default values left out.
TEST(MethodRegistry, LeavesOutDefaultsAndPrintsInt64AsStrings) {
  v1::PostStats stats;
  stats.set_post_id("p1");
  stats.set_likes(42);
  absl::StatusOr<std::string> json = MethodRegistry::ToJson(stats);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find(R"("likes":"42")"), std::string::npos) << *json;
  EXPECT_EQ(*json, R"({"postId":"p1","likes":"42"})");
}

}  // namespace
}  // namespace pulse::bridge
