#include "bridge/request_decoder.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse::bridge {
namespace {

absl::StatusOr<DecodedRequest> Decode(const std::string& frame,
                                      std::string* id_json = nullptr) {
  static const MethodRegistry registry;
  std::string unused = "null";
  return DecodeRequest(registry, frame, id_json ? id_json : &unused);
}

TEST(DecodeRequest, ASubscribeIsNamedByItsId) {
  for (const char* id : {"2", R"("live-1")"}) {
    absl::StatusOr<DecodedRequest> r = Decode(
        absl::StrCat(R"({"jsonrpc":"2.0","id":)", id,
                     R"(,"method":"Subscribe","params":{"postIds":["p1"]}})"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->kind, DecodedRequest::Kind::kSubscribe);
    EXPECT_EQ(r->id_json, id);
    EXPECT_EQ(static_cast<const v1::SubscribeRequest&>(*r->input).post_ids(0),
              "p1");
  }
}

TEST(DecodeRequest, ASubscribeWithoutAnIdOrWithAVeryLongOneIsRefused) {
  for (const char* frame :
       {R"({"jsonrpc":"2.0","method":"Subscribe","params":{"global":true}})",
        R"({"jsonrpc":"2.0","id":null,"method":"Subscribe"})"}) {
    absl::StatusOr<DecodedRequest> r = Decode(frame);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << frame;
    EXPECT_NE(r.status().message().find("\"id\""), absl::string_view::npos)
        << r.status();
  }
  const std::string longest(kMaxSubscriptionIdBytes - 2, 'x');  // + quotes
  EXPECT_TRUE(
      Decode(absl::StrCat(R"({"id":")", longest, R"(","method":"Subscribe"})"))
          .ok());
  std::string id_json;
  absl::StatusOr<DecodedRequest> r =
      Decode(absl::StrCat(R"({"id":")", longest, R"(x","method":"Subscribe"})"),
             &id_json);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  // The error still answers the request's id.
  EXPECT_EQ(id_json, absl::StrCat("\"", longest, "x\""));
  // Unary calls need no id (the answer then carries null).
  EXPECT_TRUE(Decode(R"({"method":"GetGlobalStats"})").ok());
}

TEST(DecodeRequest, UnsubscribeNamesTheSubscriptionAsItsSubscribeDid) {
  absl::StatusOr<DecodedRequest> n = Decode(
      R"({"id":3,"method":"Unsubscribe","params":{"subscription":2.0}})");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->kind, DecodedRequest::Kind::kUnsubscribe);
  EXPECT_EQ(n->subscription_json, "2");
  absl::StatusOr<DecodedRequest> s = Decode(
      R"({"id":3,"method":"Unsubscribe","params":{"subscription":"live-1"}})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->subscription_json, R"("live-1")");
  EXPECT_TRUE(absl::IsInvalidArgument(
      Decode(R"({"id":3,"method":"Unsubscribe","params":{}})").status()));
}

TEST(DecodeRequest, ClientStreamingMethodsAreNotOffered) {
  EXPECT_TRUE(absl::IsUnimplemented(
      Decode(R"({"id":1,"method":"IngestStream"})").status()));
}

}  // namespace
}  // namespace pulse::bridge
