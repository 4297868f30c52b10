#include "bridge/json_rpc.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/time_scale.h"

namespace pulse::bridge {
namespace {

TEST(JsonRpc, ParsesARequestKeepingIdAndParamsAsJson) {
  std::string id;
  absl::StatusOr<RpcRequest> r = ParseRequest(
      R"({"jsonrpc":"2.0","id":7,"method":"GetPostStats","params":{"postId":"p1"}})",
      &id);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id_json, "7");
  EXPECT_EQ(id, "7");
  EXPECT_EQ(r->method, "GetPostStats");
  EXPECT_EQ(r->params_json, R"({"postId":"p1"})");
}

TEST(JsonRpc, StringIdsAndMissingParamsAreAccepted) {
  absl::StatusOr<RpcRequest> r =
      ParseRequest(R"({"id":"a\"b","method":"GetGlobalStats"})", nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id_json, R"("a\"b")");
  EXPECT_EQ(r->params_json, "{}");
}

TEST(JsonRpc, RejectsWhatIsNotARequestObject) {
  for (const char* bad :
       {"", "{", "nope", "[1,2]", "42", "\"s\"", "null", R"({"id":1})",
        R"({"id":1,"method":5})", R"({"id":1,"method":"X","params":[1]})",
        R"({"id":1,"method":"X","params":"p"})", R"({"id":{},"method":"X"})",
        R"({"jsonrpc":"1.0","method":"X"})", R"({"method":"X","extra":1})"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseRequest(bad, nullptr).status()))
        << bad;
  }
}

TEST(JsonRpc, AnErrorAfterTheIdStillAnswersIt) {
  std::string id = "null";
  EXPECT_FALSE(ParseRequest(R"({"id":3,"method":7})", &id).ok());
  EXPECT_EQ(id, "3");
}

TEST(JsonRpc, DeepNestingIsRefusedQuickly) {
  std::string deep(100000, '[');
  EXPECT_FALSE(ParseRequest(deep, nullptr).ok());
  const absl::Time start = absl::Now();
  std::string nested = R"({"method":"X","params":{"a":)" +
                       std::string(30000, '[') + std::string(30000, ']') + "}}";
  EXPECT_FALSE(ParseRequest(nested, nullptr).ok());
  EXPECT_LT(absl::Now() - start,
            pulse::testing::Scaled(absl::Milliseconds(100)));
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseRequest(R"({"method":"X","params":{"a":")" +
                               std::string(100, '[') + R"("}})",
                           nullptr)
                  .ok());
}

// protobuf's parser reads single-quoted strings too: a double quote inside
// one does not open a string, so the brackets after it still count (they
// did not, and a 40 KB frame held an io thread for 12 s of CPU).
TEST(JsonRpc, SingleQuotedStringsDoNotHideDeepNesting) {
  const std::string nested = R"({"method":'"',"params":{"a":)" +
                             std::string(1000, '[') + std::string(1000, ']') +
                             "}}";
  const absl::StatusOr<RpcRequest> refused = ParseRequest(nested, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("nested deeper than"),
            absl::string_view::npos)
      << refused.status();
  // Brackets inside single-quoted strings do not count either.
  const absl::StatusOr<RpcRequest> shallow = ParseRequest(
      R"({"method":'X[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[','params':{}})",
      nullptr);
  ASSERT_TRUE(shallow.ok()) << shallow.status();
  EXPECT_EQ(shallow->method, "X[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
}

// The error object's members come from a protobuf Struct, in no set order.
void ExpectErrorObject(const std::string& frame, const std::string& code_number,
                       const std::string& message,
                       const std::string& code_name) {
  EXPECT_NE(frame.find(R"("error":{)"), std::string::npos) << frame;
  EXPECT_NE(frame.find(R"("code":)" + code_number), std::string::npos) << frame;
  EXPECT_NE(frame.find(R"("message":")" + message + "\""), std::string::npos)
      << frame;
  EXPECT_NE(frame.find(R"("data":{"grpcCode":")" + code_name + "\"}"),
            std::string::npos)
      << frame;
}

TEST(JsonRpc, ErrorFramesCarryTheGrpcCode) {
  const std::string frame =
      ErrorFrame("1", absl::InvalidArgumentError("bad \"x\""));
  EXPECT_EQ(frame.rfind(R"({"jsonrpc":"2.0","id":1,"error":{)", 0), 0u)
      << frame;
  ExpectErrorObject(frame, "3", R"(INVALID_ARGUMENT: bad \"x\")",
                    "INVALID_ARGUMENT");
}

TEST(JsonRpc, UpdateAndEndFramesNameTheSubscription) {
  EXPECT_EQ(
      UpdateFrame("4", R"({"seq":"1"})"),
      R"({"jsonrpc":"2.0","method":"update","params":{"subscription":4,"update":{"seq":"1"}}})");
  const std::string ended =
      SubscriptionEndedFrame("4", absl::UnavailableError("gone"));
  EXPECT_EQ(
      ended.rfind(
          R"({"jsonrpc":"2.0","method":"subscriptionEnded","params":{"subscription":4,)",
          0),
      0u)
      << ended;
  ExpectErrorObject(ended, "14", "UNAVAILABLE: gone", "UNAVAILABLE");
}

TEST(JsonRpc, SubscriptionsMayBeNamedByStringIds) {
  EXPECT_EQ(
      UpdateFrame(R"("live-1")", "{}"),
      R"({"jsonrpc":"2.0","method":"update","params":{"subscription":"live-1","update":{}}})");
  EXPECT_EQ(SubscriptionResult(R"("live-1")"), R"({"subscription":"live-1"})");
}

// Numbers are doubles: from 2^53 on an id would come back changed.
TEST(JsonRpc, ANumberIdBeyond2To53IsRefusedByName) {
  for (const char* big :
       {"9007199254740992", "9007199254740993", "-9007199254740993", "1e300"}) {
    std::string id = "null";
    const absl::StatusOr<RpcRequest> r = ParseRequest(
        absl::StrCat(R"({"id":)", big, R"(,"method":"GetGlobalStats"})"), &id);
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << big;
    EXPECT_EQ(r.status().message().rfind("id: ", 0), 0u) << r.status();
    EXPECT_EQ(id, "null") << "the error must not answer a changed id";
    EXPECT_EQ(ReadIdParam(absl::StrCat(R"({"subscription":)", big, "}"),
                          "subscription")
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << big;
  }
  for (const char* exact : {"9007199254740991", "-9007199254740991"}) {
    std::string id;
    const absl::StatusOr<RpcRequest> r = ParseRequest(
        absl::StrCat(R"({"id":)", exact, R"(,"method":"GetGlobalStats"})"),
        &id);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->id_json, exact);
  }
  // As a string, any id comes back as sent.
  EXPECT_EQ(ParseRequest(R"({"id":"9007199254740993","method":"X"})", nullptr)
                ->id_json,
            R"("9007199254740993")");
}

// A number param beyond 2^53 would reach the server changed (a batch's
// sequence taken for another batch's): refused, naming where it is, with
// the request's id still answered.
TEST(JsonRpc, ANumberParamBeyond2To53IsRefusedByPath) {
  std::string id;
  absl::StatusOr<RpcRequest> r =
      ParseRequest(R"({"id":7,"method":"Ingest","params":{"producerId":"p",)"
                   R"("sequence":9007199254740993}})",
                   &id);
  EXPECT_EQ(r.status(),
            absl::InvalidArgumentError(
                "params.sequence: a number must be within +-(2^53 - 1) to "
                "come through unchanged; send a larger one as a string"));
  EXPECT_EQ(id, "7");
  r = ParseRequest(
      R"({"id":1,"method":"Ingest","params":{"engagements":[{"count":1},)"
      R"({"count":-1e300}]}})",
      nullptr);
  EXPECT_EQ(r.status().message().rfind("params.engagements[1].count: ", 0), 0u)
      << r.status();
  // As strings, or within the bound, they pass as sent.
  r = ParseRequest(
      R"({"id":1,"method":"Ingest","params":{"sequence":"9007199254740993",)"
      R"("engagements":[{"count":9007199254740991}]}})",
      nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->params_json.find("9007199254740993"), std::string::npos);
  EXPECT_NE(r->params_json.find("9007199254740991"), std::string::npos)
      << r->params_json;
}

TEST(JsonRpc, ReadsAnIdParamAsTheRequestIdItNames) {
  EXPECT_EQ(*ReadIdParam(R"({"subscription":12})", "subscription"), "12");
  EXPECT_EQ(*ReadIdParam(R"({"subscription":"a\"b"})", "subscription"),
            R"("a\"b")");
  // However the client spells a number, it names the same subscription as
  // the Subscribe's id did.
  for (const char* spelling : {"10", "10.0", "1e1"}) {
    std::string id;
    ASSERT_TRUE(ParseRequest(absl::StrCat(R"({"id":)", spelling,
                                          R"(,"method":"Subscribe"})"),
                             &id)
                    .ok());
    EXPECT_EQ(*ReadIdParam(R"({"subscription":10})", "subscription"), id)
        << spelling;
  }
  for (const char* bad :
       {R"({})", R"({"subscription":null})", R"({"subscription":true})",
        R"({"subscription":{"a":1}})", R"({"subscription":[1]})"}) {
    const absl::StatusOr<std::string> id = ReadIdParam(bad, "subscription");
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace pulse::bridge
