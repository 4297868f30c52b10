// End to end: a real pulse-server, a real bridge, real websocket clients.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bridge/bridge_fixture.h"
#include "bridge/raw_socket.h"
#include "bridge/ws_test_client.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pulse/v1/analytics.grpc.pb.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::bridge::testing {
namespace {

using google::protobuf::Message;
using google::protobuf::Value;
using pulse::testing::Context;
using pulse::testing::SampleBatch;

std::string Json(const Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

// Clears the fields that depend on the instant of the call.
void ClearClockFields(Message* m) {
  const auto* reflection = m->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(*m, &fields);
  for (const auto* f : fields) {
    if (f->name() == "updated_at" || f->name() == "as_of" ||
        f->name() == "velocity_per_minute" ||
        f->name() == "engagements_per_second") {
      reflection->ClearField(m, f);
    } else if (f->cpp_type() ==
               google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*m, f); ++i) {
          ClearClockFields(reflection->MutableRepeatedMessage(m, f, i));
        }
      } else {
        ClearClockFields(reflection->MutableMessage(m, f));
      }
    }
  }
}

// The "result" of a response frame parsed into `out`.
void ReadResult(const Value& response, Message* out) {
  ASSERT_EQ(At(response, "error").kind_case(), Value::KIND_NOT_SET)
      << ToJson(response);
  const Value result = At(response, "result");
  ASSERT_EQ(result.kind_case(), Value::kStructValue) << ToJson(response);
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ToJson(result), out).ok());
}

double ErrorCode(const Value& response) {
  return At(response, "error.code").number_value();
}

void ExpectError(const Value& response, int code, const std::string& name) {
  EXPECT_EQ(ErrorCode(response), code) << ToJson(response);
  EXPECT_EQ(At(response, "error.data.grpcCode").string_value(), name)
      << ToJson(response);
  EXPECT_FALSE(At(response, "error.message").string_value().empty());
}

bool IsUpdate(const Value& v, double subscription) {
  return At(v, "method").string_value() == "update" &&
         At(v, "params.subscription").number_value() == subscription;
}

// Subscribes `ws` to `params`: the subscription's id, 0 if refused.
double SubscribeId(WsConn& ws, const std::string& params) {
  return At(ws.Call("Subscribe", params), "result.subscription").number_value();
}

// Matches an update of `subscription` whose global likes are `likes`.
std::function<bool(const Value&)> GlobalLikesAre(double subscription,
                                                 std::string likes) {
  return [subscription, likes = std::move(likes)](const Value& v) {
    return IsUpdate(v, subscription) &&
           At(v, "params.update.global.likes").string_value() == likes;
  };
}

class BridgeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StartStack();
    ASSERT_NE(stack_, nullptr);
    stub_ = stack_->server->stub();
  }
  void Ingest(const v1::IngestRequest& request) {
    v1::IngestResponse response;
    ASSERT_TRUE(stub_->Ingest(Context().get(), request, &response).ok());
  }
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
  WsClient client_;
};

TEST_F(BridgeE2E, EveryUnaryMethodRoundTripsWithExactValues) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  const v1::IngestRequest batch = SampleBatch();
  v1::IngestResponse ingested;
  ReadResult(ws->Call("Ingest", Json(batch)), &ingested);
  EXPECT_EQ(ingested.accepted(), batch.posts_size() + batch.engagements_size() +
                                     batch.follows_size());
  EXPECT_EQ(ingested.rejected(), 0);

  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::string window = R"({"window":"3600s"})";
  const std::string series = absl::StrCat(
      R"({"global":true,"resolution":"MINUTE","startTime":")",
      absl::FormatTime(absl::FromUnixSeconds(now - 3600)), R"(","endTime":")",
      absl::FormatTime(absl::FromUnixSeconds(now + 120)), R"("})");
  struct Case {
    std::string method;
    std::string params;
    std::function<grpc::Status(Message*)> direct;
    std::unique_ptr<Message> via_bridge;
    std::unique_ptr<Message> via_grpc;
  };
  auto parse = [](const std::string& json, Message* m) {
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, m).ok())
        << json;
  };
  std::vector<Case> cases;
  auto add = [&](const std::string& method, const std::string& params,
                 auto request, auto response, auto call) {
    parse(params, &request);
    Case c{method, params, nullptr, std::make_unique<decltype(response)>(),
           std::make_unique<decltype(response)>()};
    c.direct = [this, request, call](Message* out) {
      return call(stub_.get(), Context().get(), request,
                  static_cast<decltype(response)*>(out));
    };
    cases.push_back(std::move(c));
  };
  using Stub = v1::AnalyticsService::Stub;
  add("GetPostStats", R"({"postId":"p1"})", v1::GetPostStatsRequest(),
      v1::PostStats(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->GetPostStats(c, q, r);
      });
  add("BatchGetPostStats", R"({"postIds":["p1","p2","p3","nope"]})",
      v1::BatchGetPostStatsRequest(), v1::BatchGetPostStatsResponse(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->BatchGetPostStats(c, q, r);
      });
  add("GetAccountStats", R"({"accountId":"a1"})", v1::GetAccountStatsRequest(),
      v1::AccountStats(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->GetAccountStats(c, q, r);
      });
  add("GetHashtagStats", R"({"hashtag":"news"})", v1::GetHashtagStatsRequest(),
      v1::HashtagStats(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->GetHashtagStats(c, q, r);
      });
  add("pulse.v1.AnalyticsService/GetGlobalStats", "{}",
      v1::GetGlobalStatsRequest(), v1::GlobalStats(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->GetGlobalStats(c, q, r);
      });
  add("QueryTimeSeries", series, v1::QueryTimeSeriesRequest(),
      v1::QueryTimeSeriesResponse(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->QueryTimeSeries(c, q, r);
      });
  add("TopPosts", window, v1::TopPostsRequest(), v1::TopPostsResponse(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->TopPosts(c, q, r);
      });
  add("TrendingHashtags", window, v1::TrendingHashtagsRequest(),
      v1::TrendingHashtagsResponse(),
      [](Stub* s, grpc::ClientContext* c, const auto& q, auto* r) {
        return s->TrendingHashtags(c, q, r);
      });

  for (Case& c : cases) {
    SCOPED_TRACE(c.method);
    ReadResult(ws->Call(c.method, c.params), c.via_bridge.get());
    ASSERT_TRUE(c.direct(c.via_grpc.get()).ok());
    ClearClockFields(c.via_bridge.get());
    ClearClockFields(c.via_grpc.get());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        *c.via_bridge, *c.via_grpc))
        << c.via_bridge->DebugString() << "\nvs\n"
        << c.via_grpc->DebugString();
  }
  // The sample's known values, read through the bridge.
  const auto& post = static_cast<const v1::PostStats&>(*cases[0].via_bridge);
  EXPECT_EQ(post.likes(), 3);
  EXPECT_EQ(post.engagements(), 6);
  const auto& global =
      static_cast<const v1::GlobalStats&>(*cases[4].via_bridge);
  EXPECT_EQ(global.impressions(), 160);
  EXPECT_EQ(global.engagements(), 13);
  EXPECT_EQ(global.followers(), 12);
  const auto& top =
      static_cast<const v1::TopPostsResponse&>(*cases[6].via_bridge);
  ASSERT_GE(top.posts_size(), 3);
  EXPECT_EQ(top.posts(0).value(), 6);
  EXPECT_EQ(top.posts(2).post_id(), "p2");
  // int64 goes out as a JSON string, per protobuf's JSON mapping.
  EXPECT_EQ(At(ws->Call("GetPostStats", R"({"postId":"p1"})"), "result.likes")
                .string_value(),
            "3");
}

TEST_F(BridgeE2E, ASubscriptionDeliversItsSnapshotThenUpdates) {
  Ingest(SampleBatch());
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  const Value ack = ws->Call(
      "Subscribe", R"({"postIds":["p1"],"global":true,"minInterval":"0.05s"})");
  const double sub = At(ack, "result.subscription").number_value();
  ASSERT_GT(sub, 0) << ToJson(ack);
  const Value snapshot =
      ws->WaitFor([&](const Value& v) { return IsUpdate(v, sub); });
  ASSERT_TRUE(At(snapshot, "params.update.snapshot").bool_value())
      << ToJson(snapshot);
  EXPECT_EQ(At(snapshot, "params.update.global.likes").string_value(), "6");
  const Value posts = At(snapshot, "params.update.posts");
  ASSERT_EQ(posts.list_value().values_size(), 1);
  EXPECT_EQ(At(posts.list_value().values(0), "likes").string_value(), "3");

  v1::IngestRequest more;
  *more.add_engagements() =
      pulse::testing::MakeEngagement("e-more", "p1", v1::LIKE, 1);
  Ingest(more);
  // The global rate's once-a-second check may send the old totals with a
  // new rate first; the update of the ingest is the one with 7 likes.
  const Value update = ws->WaitFor([&](const Value& v) {
    return IsUpdate(v, sub) && !At(v, "params.update.snapshot").bool_value() &&
           At(v, "params.update.global.likes").string_value() == "7";
  });
  ASSERT_EQ(update.kind_case(), Value::kStructValue)
      << "no update after ingest";
  const Value changed = At(update, "params.update.posts");
  ASSERT_EQ(changed.list_value().values_size(), 1) << ToJson(update);
  EXPECT_EQ(At(changed.list_value().values(0), "likes").string_value(), "4");
}

// DESIGN.md's example, frame for frame: the Subscribe request's id names the
// subscription in its updates and in Unsubscribe, a number or a string, even
// when sockets that named it differently share one upstream stream.
TEST_F(BridgeE2E, SubscriptionsAreNamedByTheIdsOfTheirSubscribeRequests) {
  Ingest(SampleBatch());
  auto a = client_.ConnectOpen(stack_->WsUri());
  auto b = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::string params = R"({"postIds":["p1"],"minInterval":"0.05s"})";
  const auto id_is = [](const Value& id) {
    return [id](const Value& v) {
      return google::protobuf::util::MessageDifferencer::Equals(At(v, "id"),
                                                                id);
    };
  };
  const auto update_of = [](const Value& subscription, bool snapshot) {
    return [subscription, snapshot](const Value& v) {
      return At(v, "method").string_value() == "update" &&
             google::protobuf::util::MessageDifferencer::Equals(
                 At(v, "params.subscription"), subscription) &&
             At(v, "params.update.snapshot").bool_value() == snapshot;
    };
  };
  Value two;
  two.set_number_value(2);
  Value live;
  live.set_string_value("live");

  ASSERT_TRUE(a->Send(
      absl::StrCat(R"({"jsonrpc":"2.0","id":2,"method":"Subscribe","params":)",
                   params, "}")));
  ASSERT_TRUE(b->Send(absl::StrCat(
      R"({"jsonrpc":"2.0","id":"live","method":"Subscribe","params":)", params,
      "}")));
  const Value ack_a = a->WaitFor(id_is(two));
  EXPECT_EQ(ToJson(At(ack_a, "result")), R"({"subscription":2})")
      << ToJson(ack_a);
  const Value ack_b = b->WaitFor(id_is(live));
  EXPECT_EQ(ToJson(At(ack_b, "result")), R"({"subscription":"live"})")
      << ToJson(ack_b);
  EXPECT_EQ(stack_->bridge->Stats().upstreams, 1);
  ASSERT_EQ(a->WaitFor(update_of(two, true)).kind_case(), Value::kStructValue);
  ASSERT_EQ(b->WaitFor(update_of(live, true)).kind_case(), Value::kStructValue);

  v1::IngestRequest more;
  *more.add_engagements() =
      pulse::testing::MakeEngagement("e-named", "p1", v1::LIKE, 1);
  Ingest(more);
  const Value update_a = a->WaitFor(update_of(two, false));
  EXPECT_EQ(
      At(At(update_a, "params.update.posts").list_value().values(0), "likes")
          .string_value(),
      "4")
      << ToJson(update_a);
  EXPECT_EQ(b->WaitFor(update_of(live, false)).kind_case(),
            Value::kStructValue);

  // An id in use, and no id at all, are refused; the socket stays open.
  ASSERT_TRUE(a->Send(
      R"({"jsonrpc":"2.0","id":2,"method":"Subscribe","params":{"global":true}})"));
  ExpectError(a->WaitFor([&](const Value& v) {
    return id_is(two)(v) && At(v, "error").kind_case() == Value::kStructValue;
  }),
              6, "ALREADY_EXISTS");
  ASSERT_TRUE(a->Send(
      R"({"jsonrpc":"2.0","method":"Subscribe","params":{"global":true}})"));
  ExpectError(a->WaitFor([](const Value& v) {
    return At(v, "id").kind_case() == Value::kNullValue &&
           At(v, "error").kind_case() == Value::kStructValue;
  }),
              3, "INVALID_ARGUMENT");
  EXPECT_EQ(stack_->bridge->Stats().upstreams, 1);

  // Unsubscribe names the subscription by that id.
  const Value done = a->Call("Unsubscribe", R"({"subscription":2})");
  EXPECT_EQ(ToJson(At(done, "result")), R"({"subscription":2})")
      << ToJson(done);
  const Value done_b = b->Call("Unsubscribe", R"({"subscription":"live"})");
  EXPECT_EQ(ToJson(At(done_b, "result")), R"({"subscription":"live"})")
      << ToJson(done_b);
  EXPECT_TRUE(WaitUntil([&] { return stack_->bridge->Stats().upstreams == 0; },
                        absl::Seconds(5)));
}

// An id freed by Unsubscribe may name a new subscription at once; updates of
// the old stream still on their way are not sent under it.
TEST_F(BridgeE2E, AnIdUsedAgainNamesOnlyTheNewSubscription) {
  Ingest(SampleBatch());
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(
      R"({"jsonrpc":"2.0","id":2,"method":"Subscribe","params":{"postIds":["p1"],"minInterval":"0.05s"}})"));
  const auto updates_of_2 = [&] {
    int n = 0;
    for (const std::string& f : ws->frames()) n += IsUpdate(ParseJson(f), 2);
    return n;
  };
  // p1 keeps changing while the id is freed and used again.
  std::atomic<bool> stop{false};
  std::thread feed([&] {
    auto stub = stack_->server->stub();
    for (int i = 0; i < 400 && !stop.load(); ++i) {
      v1::IngestRequest batch;
      *batch.add_engagements() = pulse::testing::MakeEngagement(
          absl::StrCat("e-again-", i), "p1", v1::LIKE, 1);
      v1::IngestResponse r;
      (void)stub->Ingest(Context().get(), batch, &r);
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  ASSERT_TRUE(
      WaitUntil([&] { return updates_of_2() >= 4; }, absl::Seconds(10)));
  ASSERT_TRUE(ws->Send(
      R"({"jsonrpc":"2.0","id":3,"method":"Unsubscribe","params":{"subscription":2}})"));
  ASSERT_TRUE(ws->Send(
      R"({"jsonrpc":"2.0","id":2,"method":"Subscribe","params":{"global":true,"minInterval":"0.05s"}})"));
  // The new subscription's result, then a few of its updates.
  const auto results_for_2 = [&](std::vector<std::string>* frames) {
    *frames = ws->frames();
    std::vector<size_t> at;
    for (size_t i = 0; i < frames->size(); ++i) {
      const Value v = ParseJson((*frames)[i]);
      if (At(v, "id").number_value() == 2 &&
          At(v, "result").kind_case() == Value::kStructValue)
        at.push_back(i);
    }
    return at;
  };
  std::vector<std::string> frames;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::vector<size_t> at = results_for_2(&frames);
        if (at.size() < 2) return false;
        int after = 0;
        for (size_t i = at[1] + 1; i < frames.size(); ++i)
          after += IsUpdate(ParseJson(frames[i]), 2);
        return after >= 4;
      },
      absl::Seconds(10)));
  stop = true;
  feed.join();
  const size_t second_result = results_for_2(&frames)[1];
  bool first = true;
  for (size_t i = second_result + 1; i < frames.size(); ++i) {
    const Value v = ParseJson(frames[i]);
    if (!IsUpdate(v, 2)) continue;
    EXPECT_EQ(At(v, "params.update.posts").kind_case(), Value::KIND_NOT_SET)
        << "an update of the old subscription: " << frames[i];
    if (first) {
      EXPECT_TRUE(At(v, "params.update.snapshot").bool_value()) << frames[i];
      EXPECT_EQ(At(v, "params.update.global").kind_case(), Value::kStructValue)
          << frames[i];
      first = false;
    }
  }
}

TEST_F(BridgeE2E, UnsubscribeAndClosingCancelTheUpstreamStreams) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  const double a = SubscribeId(*ws, R"({"global":true})");
  const double b = SubscribeId(*ws, R"({"hashtags":["news"]})");
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  EXPECT_EQ(stack_->bridge->Stats().upstreams, 2);
  const Value done =
      ws->Call("Unsubscribe", absl::StrCat(R"({"subscription":)", a, "}"));
  EXPECT_EQ(At(done, "result.subscription").number_value(), a) << ToJson(done);
  EXPECT_TRUE(WaitUntil([&] { return stack_->bridge->Stats().upstreams == 1; },
                        absl::Seconds(5)));
  ExpectError(
      ws->Call("Unsubscribe", absl::StrCat(R"({"subscription":)", a, "}")), 5,
      "NOT_FOUND");
  ws->Close();
  EXPECT_TRUE(WaitUntil([&] { return stack_->bridge->Stats().upstreams == 0; },
                        absl::Seconds(5)));
  EXPECT_TRUE(
      WaitUntil([&] { return stack_->bridge->Stats().connections == 0; },
                absl::Seconds(5)));
}

// JSON-RPC answers every request: a Subscribe unsubscribed before the server
// confirmed it gets an error answer (CANCELLED), before the Unsubscribe's
// result.
TEST_F(BridgeE2E, ASubscribeUnsubscribedBeforeItIsEstablishedIsAnswered) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  // Stopped, the server cannot confirm the Subscribe before the Unsubscribe.
  ASSERT_TRUE(stack_->server->Pause());
  ASSERT_TRUE(ws->Send(
      R"({"jsonrpc":"2.0","id":7,"method":"Subscribe","params":{"global":true}})"));
  ASSERT_TRUE(ws->Send(
      R"({"jsonrpc":"2.0","id":8,"method":"Unsubscribe","params":{"subscription":7}})"));
  auto has_id = [](double id) {
    return [id](const Value& v) {
      return At(v, "id").kind_case() == Value::kNumberValue &&
             At(v, "id").number_value() == id;
    };
  };
  const Value unsubscribed = ws->WaitFor(has_id(8));
  const Value subscribe = ws->WaitFor(has_id(7), absl::Seconds(1));
  stack_->server->Resume();
  EXPECT_EQ(At(unsubscribed, "result.subscription").number_value(), 7)
      << ToJson(unsubscribed);
  ExpectError(subscribe, 1, "CANCELLED");
  EXPECT_NE(At(subscribe, "error.message").string_value().find("unsubscribed"),
            std::string::npos)
      << ToJson(subscribe);
  const std::vector<std::string> frames = ws->frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(At(ParseJson(frames[0]), "id").number_value(), 7);
  // The stream the Subscribe started is cancelled, and the id is free again.
  EXPECT_TRUE(WaitUntil([&] { return stack_->bridge->Stats().upstreams == 0; },
                        absl::Seconds(5)));
  EXPECT_GT(SubscribeId(*ws, R"({"global":true})"), 0);
}

TEST_F(BridgeE2E, BadInputGetsAnErrorFrameAndTheConnectionStaysUsable) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  struct Bad {
    std::string frame;
    int code;
    std::string name;
    std::string id_json;
  };
  const std::vector<Bad> bad = {
      {"not json", 3, "INVALID_ARGUMENT", "null"},
      {"", 3, "INVALID_ARGUMENT", "null"},
      {"[1,2]", 3, "INVALID_ARGUMENT", "null"},
      {"42", 3, "INVALID_ARGUMENT", "null"},
      {R"({"jsonrpc":"2.0","id":101})", 3, "INVALID_ARGUMENT", "101"},
      {R"({"id":102,"method":"NoSuchMethod"})", 12, "UNIMPLEMENTED", "102"},
      {R"({"id":103,"method":"GetPostStats","params":"p1"})", 3,
       "INVALID_ARGUMENT", "103"},
      {R"({"id":104,"method":"GetPostStats","params":{"postId":{"x":1}}})", 3,
       "INVALID_ARGUMENT", "104"},
      {R"({"id":105,"method":"TopPosts","params":{"limit":"ten"}})", 3,
       "INVALID_ARGUMENT", "105"},
      {R"({"id":106,"method":"GetPostStats","params":{"bogus":1}})", 3,
       "INVALID_ARGUMENT", "106"},
      {R"({"id":107,"method":"IngestStream","params":{}})", 12, "UNIMPLEMENTED",
       "107"},
      {R"({"id":108,"method":"Subscribe","params":{"minInterval":"soon"}})", 3,
       "INVALID_ARGUMENT", "108"},
      {R"({"id":110,"method":"Subscribe","params":{"minInterval":"0.001s"}})",
       3, "INVALID_ARGUMENT", "110"},
      {R"({"id":109,"method":"GetPostStats","params":{}})", 3,
       "INVALID_ARGUMENT", "109"},
      {std::string(20000, '[') + std::string(20000, ']'), 3, "INVALID_ARGUMENT",
       "null"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.frame.substr(0, 80));
    const size_t before = ws->frames().size();
    ASSERT_TRUE(ws->Send(b.frame));
    ASSERT_TRUE(WaitUntil([&] { return ws->frames().size() > before; },
                          absl::Seconds(10)));
    const Value answer = ParseJson(ws->frames()[before]);
    ExpectError(answer, b.code, b.name);
    EXPECT_EQ(ToJson(At(answer, "id")), b.id_json);
  }
  const size_t before = ws->frames().size();
  ASSERT_TRUE(ws->Send("\x01\x02", /*binary=*/true));
  ASSERT_TRUE(WaitUntil([&] { return ws->frames().size() > before; },
                        absl::Seconds(10)));
  ExpectError(ParseJson(ws->frames()[before]), 3, "INVALID_ARGUMENT");
  // Still usable.
  v1::GlobalStats global;
  ReadResult(ws->Call("GetGlobalStats", "{}"), &global);
  EXPECT_EQ(ws->state(), WsConn::State::kOpen);
}

TEST_F(BridgeE2E, AnOversizedFrameClosesWith1009) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->Send(
      absl::StrCat(R"({"id":1,"method":"GetPostStats","params":{"postId":")",
                   std::string(70 * 1024, 'x'), R"("}})")));
  ASSERT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->close_code(), 1009);
  // The bridge itself is fine.
  auto again = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(At(again->Call("GetGlobalStats", "{}"), "result").kind_case(),
            Value::kStructValue);
}

TEST(BridgeLimits, MoreSubscriptionsThanAllowedAreRefused) {
  auto stack =
      StartStack({}, [](BridgeOptions* o) { o->max_subscriptions = 2; });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  EXPECT_GT(SubscribeId(*ws, R"({"global":true})"), 0);
  EXPECT_GT(SubscribeId(*ws, R"({"postIds":["p1"]})"), 0);
  ExpectError(ws->Call("Subscribe", R"({"postIds":["p2"]})"), 8,
              "RESOURCE_EXHAUSTED");
  ExpectError(ws->Call("Subscribe", R"({"global":true})"), 8,
              "RESOURCE_EXHAUSTED");
  EXPECT_EQ(At(ws->Call("GetGlobalStats", "{}"), "result").kind_case(),
            Value::kStructValue);
}

// At --max_connections a socket is opened and closed with 1013 ("try again
// later"), which a browser's page reads as Server busy; an HTTP 503 would
// reach it as a bare 1006. A place that frees up is taken again.
TEST(BridgeLimits, ASocketOverTheConnectionLimitIsClosedWith1013) {
  auto stack = StartStack({}, [](BridgeOptions* o) { o->max_connections = 1; });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  auto first = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(first, nullptr);
  auto over = client.Connect(stack->WsUri());
  ASSERT_NE(over, nullptr);
  ASSERT_TRUE(over->WaitClosed());
  EXPECT_EQ(over->close_code(), 1013) << over->error();
  EXPECT_EQ(stack->bridge->Stats().handshakes_rejected, 1);
  EXPECT_EQ(At(first->Call("GetGlobalStats", "{}"), "result").kind_case(),
            Value::kStructValue);

  first->Close();
  ASSERT_TRUE(first->WaitClosed());
  EXPECT_TRUE(WaitUntil([&] { return stack->bridge->Stats().connections == 0; },
                        absl::Seconds(10)));
  auto next = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(At(next->Call("GetGlobalStats", "{}"), "result").kind_case(),
            Value::kStructValue);
}

// Two ids, the same params: two subscriptions on one upstream stream, each
// updated under its own id until it is unsubscribed.
TEST_F(BridgeE2E, TheSameParamsUnderTwoIdsAreTwoSubscriptionsOfOneStream) {
  Ingest(SampleBatch());
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  const std::string params = R"({"global":true,"minInterval":"0.05s"})";
  const double a = SubscribeId(*ws, params);
  const double b = SubscribeId(*ws, params);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  ASSERT_NE(a, b);
  EXPECT_EQ(stack_->bridge->Stats().upstreams, 1);
  for (double sub : {a, b}) {
    EXPECT_EQ(ws->WaitFor(GlobalLikesAre(sub, "6")).kind_case(),
              Value::kStructValue)
        << "no snapshot for " << sub;
  }

  v1::IngestRequest more;
  *more.add_engagements() =
      pulse::testing::MakeEngagement("e-twice-1", "p1", v1::LIKE, 1);
  Ingest(more);
  for (double sub : {a, b}) {
    EXPECT_EQ(ws->WaitFor(GlobalLikesAre(sub, "7")).kind_case(),
              Value::kStructValue)
        << "no update for " << sub;
  }

  const Value done =
      ws->Call("Unsubscribe", absl::StrCat(R"({"subscription":)", a, "}"));
  ASSERT_EQ(At(done, "result.subscription").number_value(), a) << ToJson(done);
  EXPECT_EQ(stack_->bridge->Stats().upstreams, 1);
  *more.mutable_engagements(0) =
      pulse::testing::MakeEngagement("e-twice-2", "p1", v1::LIKE, 1);
  Ingest(more);
  EXPECT_EQ(ws->WaitFor(GlobalLikesAre(b, "8")).kind_case(),
            Value::kStructValue);
  EXPECT_EQ(
      ws->WaitFor(GlobalLikesAre(a, "8"), absl::Milliseconds(300)).kind_case(),
      Value::KIND_NOT_SET)
      << "an update for the subscription that ended";
  ws->Call("Unsubscribe", absl::StrCat(R"({"subscription":)", b, "}"));
  EXPECT_TRUE(WaitUntil([&] { return stack_->bridge->Stats().upstreams == 0; },
                        absl::Seconds(5)));
}

TEST(BridgeBackendDown,
     CallsAndSubscriptionsGetUnavailableAndTheSocketStaysOpen) {
  // A port that was just free: nothing listens there.
  auto stack = StartStack();
  ASSERT_NE(stack, nullptr);
  const std::string address = stack->server->address();
  stack->server->Kill9();
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  ExpectError(ws->Call("GetGlobalStats", "{}"), 14, "UNAVAILABLE");
  ExpectError(ws->Call("Subscribe", R"({"global":true})"), 14, "UNAVAILABLE");
  ExpectError(ws->Call("GetPostStats", R"({"postId":"p1"})"), 14,
              "UNAVAILABLE");
  EXPECT_EQ(ws->state(), WsConn::State::kOpen);
  EXPECT_EQ(stack->bridge->Stats().upstreams, 0);
}

TEST_F(BridgeE2E, AForeignOriginIsRejectedWith403) {
  auto evil =
      client_.Connect(stack_->WsUri(), {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(evil->WaitSettled());
  EXPECT_EQ(evil->state(), WsConn::State::kFailed);
  EXPECT_EQ(evil->http_status(), 403);
  auto own = client_.Connect(
      stack_->WsUri(),
      {{"Origin", absl::StrCat("http://127.0.0.1:", stack_->port())}});
  ASSERT_TRUE(own->WaitSettled());
  EXPECT_EQ(own->state(), WsConn::State::kOpen);
}

TEST(BridgeOrigins, TheAllowListReplacesTheDefault) {
  auto stack = StartStack({}, [](BridgeOptions* o) {
    o->allowed_origins = {"https://dash.example"};
  });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  auto ok =
      client.Connect(stack->WsUri(), {{"Origin", "https://dash.example"}});
  auto own = client.Connect(
      stack->WsUri(),
      {{"Origin", absl::StrCat("http://127.0.0.1:", stack->port())}});
  ASSERT_TRUE(ok->WaitSettled());
  ASSERT_TRUE(own->WaitSettled());
  EXPECT_EQ(ok->state(), WsConn::State::kOpen);
  EXPECT_EQ(own->http_status(), 403);
}

TEST_F(BridgeE2E, StaticFilesHaveTypesAndCacheHeadersAndNoTraversal) {
  std::ofstream(stack_->web_root + "/index.html") << "<h1>pulse</h1>";
  std::filesystem::create_directories(stack_->web_root + "/assets");
  std::ofstream(stack_->web_root + "/assets/app.js") << "console.log(1);";
  std::ofstream(stack_->dir.path() + "/secret.txt") << "TOPSECRET";
  const int port = stack_->port();

  absl::StatusOr<HttpResponse> index = HttpGet(port, "/");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<h1>pulse</h1>");
  EXPECT_NE(index->head.find("Content-Type: text/html; charset=utf-8"),
            std::string::npos)
      << index->head;
  EXPECT_NE(index->head.find("Cache-Control: no-cache"), std::string::npos);
  absl::StatusOr<HttpResponse> js = HttpGet(port, "/assets/app.js");
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->head.find("Content-Type: text/javascript"), std::string::npos)
      << js->head;
  EXPECT_NE(js->head.find("Cache-Control: public, max-age=300"),
            std::string::npos);
  EXPECT_EQ(HttpGet(port, "/missing.css")->status, 404);

  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt", "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt", "/..\\secret.txt", "//etc/passwd",
        "/%2fetc%2fpasswd", "/etc/passwd", "http://127.0.0.1/../secret.txt",
        "../secret.txt"}) {
    SCOPED_TRACE(target);
    absl::StatusOr<HttpResponse> r = HttpGet(port, target);
    if (!r.ok()) continue;  // a refused request is fine too
    EXPECT_NE(r->status, 200);
    EXPECT_EQ(r->body.find("TOPSECRET"), std::string::npos);
    EXPECT_EQ(r->body.find("root:"), std::string::npos);
  }
}

TEST_F(BridgeE2E, HealthzFollowsTheBackendsHealthCheck) {
  absl::StatusOr<HttpResponse> up = HttpGet(stack_->port(), "/healthz");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->status, 200) << up->body;
  stack_->server->Kill9();
  EXPECT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<HttpResponse> down = HttpGet(stack_->port(), "/healthz");
        return down.ok() && down->status == 503;
      },
      absl::Seconds(10)));
}

// Every line of a Prometheus text exposition parsed: samples by name, and
// each sample preceded by its # HELP and # TYPE. Fails the test on a line
// that is neither.
std::map<std::string, double> ParseExposition(const std::string& body) {
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  const std::regex help(R"(# HELP ([a-z_]+) .+)");
  const std::regex type(R"(# TYPE ([a-z_]+) (counter|gauge))");
  const std::regex sample(R"(([a-z_]+) (-?[0-9]+(\.[0-9]+)?))");
  const std::vector<std::string> lines =
      absl::StrSplit(body, '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    std::smatch m;
    if (std::regex_match(line, m, help)) continue;
    if (std::regex_match(line, m, type)) {
      typed.insert(m[1]);
    } else if (std::regex_match(line, m, sample)) {
      EXPECT_TRUE(typed.count(m[1])) << "no # TYPE before " << line;
      EXPECT_TRUE(samples.emplace(m[1], std::stod(m[2])).second)
          << "twice: " << line;
    } else {
      ADD_FAILURE() << "not Prometheus text: " << line;
    }
  }
  return samples;
}

TEST_F(BridgeE2E, MetricsCountConnectionsStreamsAndFrames) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  const Value ack = ws->Call("Subscribe", R"({"global":true})");
  ASSERT_GT(At(ack, "result.subscription").number_value(), 0) << ToJson(ack);
  ASSERT_EQ(At(ws->Call("GetGlobalStats", "{}"), "error").kind_case(),
            Value::KIND_NOT_SET);
  auto evil =
      client_.Connect(stack_->WsUri(), {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(evil->WaitSettled());
  ASSERT_EQ(evil->http_status(), 403);

  absl::StatusOr<HttpResponse> r = HttpGet(stack_->port(), "/metrics");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->head.find("Content-Type: text/plain; version=0.0.4"),
            std::string::npos)
      << r->head;
  const std::map<std::string, double> m = ParseExposition(r->body);
  EXPECT_EQ(m.at("pulse_bridge_websocket_connections"), 1);
  EXPECT_EQ(m.at("pulse_bridge_websocket_connections_opened_total"), 1);
  EXPECT_EQ(m.at("pulse_bridge_websocket_handshakes_rejected_total"), 1);
  EXPECT_EQ(m.at("pulse_bridge_frames_received_total"), 2);
  EXPECT_EQ(m.at("pulse_bridge_unary_calls_total"), 1);
  EXPECT_EQ(m.at("pulse_bridge_upstream_streams"), 1);
  EXPECT_EQ(m.at("pulse_bridge_upstream_streams_opened_total"), 1);
  EXPECT_EQ(m.at("pulse_bridge_upstream_streams_paused"), 0);
  EXPECT_EQ(m.at("pulse_bridge_websocket_congested_connections"), 0);
  EXPECT_GE(m.at("pulse_bridge_updates_sent_total"), 0);
  EXPECT_EQ(m.at("pulse_bridge_tls_handshakes_failed_total"), 0);
  EXPECT_EQ(m.at("pulse_bridge_updates_folded_total"), 0);
  EXPECT_GE(m.at("pulse_bridge_websocket_buffered_bytes"), 0);
  EXPECT_EQ(m.at("pulse_bridge_websocket_buffer_budget_holds_total"), 0);
  EXPECT_EQ(m.at("pulse_bridge_websocket_closed_unread_total"), 0);
  EXPECT_EQ(m.size(), 19u);
}

// Starting a bridge with `tune`d options fails with INVALID_ARGUMENT naming
// `flag`.
void ExpectRefusedByName(const std::function<void(BridgeOptions*)>& tune,
                         absl::string_view flag) {
  BridgeOptions options;
  options.listen = "127.0.0.1:0";
  tune(&options);
  absl::StatusOr<std::unique_ptr<BridgeServer>> bridge =
      BridgeServer::Start(options);
  ASSERT_FALSE(bridge.ok()) << flag;
  EXPECT_EQ(bridge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bridge.status().message().find(flag), absl::string_view::npos)
      << bridge.status();
}

// gRPC would take a missing port for 443 and wrap one above 65535.
TEST(BridgeOptionsCheck, ABackendThatIsNotHostAndPortIsRefusedByName) {
  for (const char* backend : {"127.0.0.1", "127.0.0.1:99999", ""}) {
    ExpectRefusedByName([backend](BridgeOptions* o) { o->backend = backend; },
                        "--backend: expected HOST:PORT");
  }
}

TEST(BridgeOptionsCheck, ATooSmallUpstreamWindowIsRefusedByName) {
  ExpectRefusedByName([](BridgeOptions* o) { o->upstream_window_bytes = 512; },
                      "--upstream_window_bytes");
}

TEST(BridgeOptionsCheck, ATotalBufferBoundBelow1KiBIsRefusedByName) {
  ExpectRefusedByName(
      [](BridgeOptions* o) { o->max_total_buffered_bytes = 1023; },
      "--max_total_buffered_bytes");
}

TEST(BridgeOptionsCheck, UpstreamConnectionsOutOfRangeAreRefusedByName) {
  for (int n : {0, 65}) {
    ExpectRefusedByName([n](BridgeOptions* o) { o->upstream_connections = n; },
                        "--upstream_connections");
  }
}

// An infinite duration once spun a core (--ping_interval), failed every
// call (--call_timeout) or dropped every socket (--handshake_timeout).
TEST(BridgeOptionsCheck, InfiniteOrHugeDurationsAreRefusedByName) {
  using Field = absl::Duration BridgeOptions::*;
  for (const auto& [field, flag] : std::vector<std::pair<Field, std::string>>{
           {&BridgeOptions::call_timeout, "--call_timeout"},
           {&BridgeOptions::ping_interval, "--ping_interval"},
           {&BridgeOptions::pong_timeout, "--pong_timeout"},
           {&BridgeOptions::handshake_timeout, "--handshake_timeout"},
           {&BridgeOptions::upstream_keepalive_time,
            "--upstream_keepalive_time"},
           {&BridgeOptions::upstream_keepalive_timeout,
            "--upstream_keepalive_timeout"}}) {
    for (absl::Duration d : {absl::InfiniteDuration(), absl::Hours(24 * 25),
                             absl::ZeroDuration()}) {
      SCOPED_TRACE(absl::FormatDuration(d));
      ExpectRefusedByName(
          [field = field, d](BridgeOptions* o) {
            o->*field = d;
            // Keeps the pong timeout shorter than the interval, which is
            // checked on its own.
            if (field == &BridgeOptions::pong_timeout)
              o->ping_interval = absl::Hours(24 * 24);
          },
          flag);
    }
  }
}

TEST(BridgeOptionsCheck, DurationsOfUpTo24DaysAreAccepted) {
  BridgeOptions options;
  options.listen = "127.0.0.1:0";
  const absl::Duration max = absl::Hours(24 * 24);
  options.call_timeout = options.ping_interval = options.handshake_timeout =
      options.upstream_keepalive_time = options.upstream_keepalive_timeout =
          max;
  options.pong_timeout = max - absl::Milliseconds(1);
  absl::StatusOr<std::unique_ptr<BridgeServer>> bridge =
      BridgeServer::Start(options);
  EXPECT_TRUE(bridge.ok()) << bridge.status();
}

TEST(BridgeMetricsOff, NoServeMetricsAnswers404) {
  auto stack =
      StartStack({}, [](BridgeOptions* o) { o->serve_metrics = false; });
  ASSERT_NE(stack, nullptr);
  absl::StatusOr<HttpResponse> r = HttpGet(stack->port(), "/metrics");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
}

TEST_F(BridgeE2E, IdenticalSubscriptionsShareOneUpstreamStream) {
  // The server admits one subscription only: two sockets can both be served
  // only through one shared stream.
  auto limited = StartStack({"--max_subscriptions=1"});
  ASSERT_NE(limited, nullptr);
  auto stub = limited->server->stub();
  v1::IngestResponse r;
  ASSERT_TRUE(stub->Ingest(Context().get(), SampleBatch(), &r).ok());
  const std::string params =
      R"({"global":true,"topPosts":{"window":"3600s"},"minInterval":"0.05s"})";
  auto a = client_.ConnectOpen(limited->WsUri());
  auto b = client_.ConnectOpen(limited->WsUri());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const double sa = SubscribeId(*a, params);
  const double sb = SubscribeId(*b, params);
  ASSERT_GT(sa, 0);
  ASSERT_GT(sb, 0);
  EXPECT_EQ(limited->bridge->Stats().upstreams, 1);
  EXPECT_EQ(limited->bridge->Stats().upstreams_opened, 1);
  // Both got the snapshot.
  for (auto [ws, sub] : {std::pair(a.get(), sa), std::pair(b.get(), sb)}) {
    const Value snap =
        ws->WaitFor([&](const Value& v) { return IsUpdate(v, sub); });
    EXPECT_EQ(At(snap, "params.update.global.likes").string_value(), "6")
        << ToJson(snap);
  }
  // A different subscription needs a second server stream: refused there.
  auto c = client_.ConnectOpen(limited->WsUri());
  ASSERT_NE(c, nullptr);
  ExpectError(c->Call("Subscribe", R"({"postIds":["p1"]})"), 8,
              "RESOURCE_EXHAUSTED");

  v1::IngestRequest more;
  *more.add_engagements() =
      pulse::testing::MakeEngagement("e-shared", "p3", v1::LIKE, 5);
  ASSERT_TRUE(stub->Ingest(Context().get(), more, &r).ok());
  std::string frame_a, frame_b;
  for (auto [ws, sub, out] :
       {std::tuple{a.get(), sa, &frame_a}, std::tuple{b.get(), sb, &frame_b}}) {
    const Value u = ws->WaitFor(GlobalLikesAre(sub, "11"));
    ASSERT_EQ(u.kind_case(), Value::kStructValue);
    // The first such frame: a later one may be the rate's own update.
    for (const std::string& f : ws->frames()) {
      if (f.find(R"("likes":"11")") != std::string::npos) {
        *out = f;
        break;
      }
    }
  }
  // The update printed once: the same bytes on both sockets, which both
  // named the subscription 1.
  ASSERT_EQ(sa, sb);
  EXPECT_EQ(frame_a, frame_b);
}

// An update's seq is its upstream stream's: a socket that joins a running
// stream starts with a snapshot at the stream's seq, and from there both
// sockets see the same seqs, each above the last.
TEST_F(BridgeE2E, ASocketJoiningARunningStreamStartsAtItsSeq) {
  Ingest(SampleBatch());  // 6 likes
  const std::string params = R"({"global":true,"minInterval":"0.05s"})";
  const auto seq = [](const Value& v) {
    return std::stoll(At(v, "params.update.seq").string_value());
  };
  const auto like = [this](const std::string& event_id) {
    v1::IngestRequest more;
    *more.add_engagements() =
        pulse::testing::MakeEngagement(event_id, "p1", v1::LIKE, 1);
    Ingest(more);
  };
  auto a = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(a, nullptr);
  const double sub = SubscribeId(*a, params);
  ASSERT_GT(sub, 0);
  ASSERT_EQ(a->WaitFor(GlobalLikesAre(sub, "6")).kind_case(),
            Value::kStructValue);
  like("e-join-1");
  like("e-join-2");
  const Value a_before = a->WaitFor(GlobalLikesAre(sub, "8"));
  ASSERT_EQ(a_before.kind_case(), Value::kStructValue);
  ASSERT_GT(seq(a_before), 1);

  auto b = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(SubscribeId(*b, params), sub);
  EXPECT_EQ(stack_->bridge->Stats().upstreams, 1);
  const Value b_snapshot =
      b->WaitFor([&](const Value& v) { return IsUpdate(v, sub); });
  ASSERT_EQ(b_snapshot.kind_case(), Value::kStructValue);
  EXPECT_TRUE(At(b_snapshot, "params.update.snapshot").bool_value());
  EXPECT_EQ(At(b_snapshot, "params.update.global.likes").string_value(), "8");
  EXPECT_GE(seq(b_snapshot), seq(a_before));

  like("e-join-3");
  const Value a_after = a->WaitFor(GlobalLikesAre(sub, "9"));
  const Value b_after = b->WaitFor(GlobalLikesAre(sub, "9"));
  ASSERT_EQ(a_after.kind_case(), Value::kStructValue);
  ASSERT_EQ(b_after.kind_case(), Value::kStructValue);
  EXPECT_EQ(seq(a_after), seq(b_after));
  EXPECT_GT(seq(b_after), seq(b_snapshot));
  for (WsConn* ws : {a.get(), b.get()}) {
    int64_t last = 0;
    for (const std::string& frame : ws->frames()) {
      const Value v = ParseJson(frame);
      if (!IsUpdate(v, sub)) continue;
      EXPECT_GT(seq(v), last) << frame;
      last = seq(v);
    }
  }
}

TEST(BridgeAuth, TheTokenIsForwardedAsBearerMetadata) {
  // A stand-in server that records the authorization metadata it receives.
  class Recorder final : public v1::AnalyticsService::CallbackService {
   public:
    grpc::ServerUnaryReactor* GetGlobalStats(grpc::CallbackServerContext* ctx,
                                             const v1::GetGlobalStatsRequest*,
                                             v1::GlobalStats* out) override {
      auto it = ctx->client_metadata().find("authorization");
      {
        absl::MutexLock lock(&mu);
        seen.push_back(it == ctx->client_metadata().end()
                           ? ""
                           : std::string(it->second.data(), it->second.size()));
      }
      out->set_likes(1);
      auto* reactor = ctx->DefaultReactor();
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    absl::Mutex mu;
    std::vector<std::string> seen ABSL_GUARDED_BY(mu);
  } recorder;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&recorder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_GT(port, 0);
  BridgeOptions options;
  options.listen = "127.0.0.1:0";
  options.backend = absl::StrCat("127.0.0.1:", port);
  auto bridge = BridgeServer::Start(options);
  ASSERT_TRUE(bridge.ok());
  WsClient client;
  const std::string uri =
      absl::StrCat("ws://127.0.0.1:", (*bridge)->port(), "/ws");
  auto by_protocol = client.Connect(uri, {}, {"pulse.v1", "bearer.tok-123"});
  auto by_query = client.Connect(uri + "?access_token=q%2Dtok");
  auto anonymous = client.Connect(uri);
  for (auto* ws : {by_protocol.get(), by_query.get(), anonymous.get()}) {
    ASSERT_TRUE(ws->WaitSettled());
    ASSERT_EQ(ws->state(), WsConn::State::kOpen);
    EXPECT_EQ(
        At(ws->Call("GetGlobalStats", "{}"), "result.likes").string_value(),
        "1");
  }
  absl::MutexLock lock(&recorder.mu);
  EXPECT_EQ(recorder.seen,
            (std::vector<std::string>{"Bearer tok-123", "Bearer q-tok", ""}));
  (*bridge)->Shutdown();
  server->Shutdown();
}

TEST_F(BridgeE2E, ShutdownClosesSocketsWith1001AndReturnsPromptly) {
  auto ws = client_.ConnectOpen(stack_->WsUri());
  ASSERT_NE(ws, nullptr);
  ASSERT_GT(SubscribeId(*ws, R"({"global":true})"), 0);
  const absl::Time start = absl::Now();
  stack_->bridge->Shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->close_code(), 1001);
  EXPECT_FALSE(HttpGet(stack_->port(), "/healthz").ok());
}

// A health check that hangs (the server is stopped, its socket still open)
// is cancelled by shutdown rather than waited out, and the /healthz request
// it was for (whose connection it holds) is closed, not leaked.
TEST(BridgeShutdown, CancelsAHealthCheckInFlight) {
  auto stack = StartStack(
      {}, [](BridgeOptions* o) { o->health_timeout = absl::Minutes(1); });
  ASSERT_NE(stack, nullptr);
  absl::StatusOr<HttpResponse> up = HttpGet(stack->port(), "/healthz");
  ASSERT_TRUE(up.ok()) << up.status();
  ASSERT_EQ(up->status, 200);
  ASSERT_TRUE(stack->server->Pause());
  auto raw = RawSocket::Connect(stack->port());
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE((*raw)->SendAll("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Nothing comes before the health check's deadline, a minute here.
  EXPECT_EQ((*raw)->Read(absl::Milliseconds(300)), "");
  const absl::Time start = absl::Now();
  stack->bridge->Shutdown();
  EXPECT_LT(absl::Now() - start, Scaled(absl::Milliseconds(1500)));
  EXPECT_TRUE((*raw)->WaitEof(absl::Seconds(5)));
  stack->server->Resume();
}

TEST(BridgeIdle, ASocketThatAnswersNoPingIsClosed) {
  auto stack = StartStack({}, [](BridgeOptions* o) {
    // Scaled: a live client's pong must beat the timeout on a slow build.
    o->ping_interval = Scaled(absl::Milliseconds(200));
    o->pong_timeout = Scaled(absl::Milliseconds(100));
  });
  ASSERT_NE(stack, nullptr);
  auto raw = RawWebsocket(stack->port());  // never answers pings
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_TRUE((*raw)->WaitEof(absl::Seconds(10)));
  EXPECT_TRUE(WaitUntil([&] { return stack->bridge->Stats().connections == 0; },
                        absl::Seconds(5)));
  // A live client answers pings (websocketpp does) and stays: after its
  // third ping, each of the first two had its pong timeout pass (it is
  // shorter than the interval).
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  EXPECT_TRUE(WaitUntil([&] { return ws->pings() >= 3; }, absl::Seconds(10)))
      << ws->pings() << " pings";
  EXPECT_EQ(ws->state(), WsConn::State::kOpen);
  EXPECT_EQ(At(ws->Call("GetGlobalStats", "{}", absl::Seconds(5)), "result")
                .kind_case(),
            Value::kStructValue);
  EXPECT_EQ(ws->state(), WsConn::State::kOpen);
  EXPECT_EQ(stack->bridge->Stats().connections, 1);
}

}  // namespace
}  // namespace pulse::bridge::testing
