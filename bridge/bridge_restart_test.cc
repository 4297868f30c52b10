// The backend going away and coming back while the bridge keeps running.
#include "absl/strings/str_cat.h"
#include "bridge/bridge_fixture.h"
#include "bridge/ws_test_client.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"

namespace pulse::bridge::testing {
namespace {

using google::protobuf::Value;

// Subscribes to the global totals and waits for the first update: the
// subscription's id, or 0 when either failed.
double SubscribeToGlobal(WsConn& ws) {
  const double sub =
      At(ws.Call("Subscribe", R"({"global":true})"), "result.subscription")
          .number_value();
  if (sub <= 0) return 0;
  const Value update = ws.WaitFor([](const Value& v) {
    return At(v, "method").string_value() == "update";
  });
  return update.kind_case() == Value::kStructValue ? sub : 0;
}

TEST(BridgeRestart, StreamsEndAndCallsFailWhileTheServerIsDownThenWorkAgain) {
  auto stack = StartStack();
  ASSERT_NE(stack, nullptr);
  v1::IngestResponse ingested;
  ASSERT_TRUE(stack->server->stub()
                  ->Ingest(pulse::testing::Context().get(),
                           pulse::testing::SampleBatch(), &ingested)
                  .ok());
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  const double sub = SubscribeToGlobal(*ws);
  ASSERT_GT(sub, 0);

  const std::string port = stack->server_port();
  stack->server->Kill9();
  const Value ended = ws->WaitFor([](const Value& v) {
    return At(v, "method").string_value() == "subscriptionEnded";
  });
  EXPECT_EQ(At(ended, "params.subscription").number_value(), sub);
  EXPECT_EQ(At(ended, "params.error.code").number_value(), 14) << ToJson(ended);
  EXPECT_EQ(At(ended, "params.error.data.grpcCode").string_value(),
            "UNAVAILABLE");
  const Value down = ws->Call("GetGlobalStats", "{}");
  EXPECT_EQ(At(down, "error.code").number_value(), 14) << ToJson(down);
  EXPECT_EQ(At(ws->Call("Subscribe", R"({"global":true})"), "error.code")
                .number_value(),
            14);
  EXPECT_EQ(stack->bridge->Stats().upstreams, 0);

  // Same data, same port: the bridge's channel finds it again by itself.
  auto restarted = pulse::testing::ServerProcess::Start(
      stack->dir.path() + "/data", {"--listen=127.0.0.1:" + port});
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  Value up;
  EXPECT_TRUE(WaitUntil(
      [&] {
        up = ws->Call("GetGlobalStats", "{}");
        return At(up, "result").kind_case() == Value::kStructValue;
      },
      absl::Seconds(20)))
      << ToJson(up);
  EXPECT_EQ(At(up, "result.engagements").string_value(), "13");
  const double again =
      At(ws->Call("Subscribe", R"({"global":true})"), "result.subscription")
          .number_value();
  ASSERT_GT(again, 0);
  const Value snapshot = ws->WaitFor([&](const Value& v) {
    return At(v, "method").string_value() == "update" &&
           At(v, "params.subscription").number_value() == again;
  });
  EXPECT_EQ(At(snapshot, "params.update.global.engagements").string_value(),
            "13");
}

// A server that hangs with its sockets open (SIGSTOP here; a frozen VM or a
// peer gone without a FIN in production) sends no error: only the bridge's
// keepalive pings find it, and its subscriptions end instead of going quiet
// forever.
TEST(BridgeKeepalive, StreamsEndWhenTheServerStopsAnsweringPings) {
  // The server takes the bridge's pings this often (it sends away clients
  // that ping more often than its --min_client_ping_interval).
  auto stack =
      StartStack({"--min_client_ping_interval=100ms"}, [](BridgeOptions* o) {
        // Scaled: on a slow build a late ack, or two pings bunched by a
        // stall (a strike against the server's interval), is not a hang.
        o->upstream_keepalive_time = Scaled(absl::Milliseconds(200));
        o->upstream_keepalive_timeout = Scaled(absl::Milliseconds(500));
      });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  const double sub = SubscribeToGlobal(*ws);
  ASSERT_GT(sub, 0);
  auto ended = [](const Value& v) {
    return At(v, "method").string_value() == "subscriptionEnded";
  };
  // Idle and pinged for a while, the connection is not sent away.
  EXPECT_EQ(ws->WaitFor(ended, absl::Seconds(1)).kind_case(),
            Value::KIND_NOT_SET);

  ASSERT_TRUE(stack->server->Pause());
  const Value end = ws->WaitFor(ended, absl::Seconds(10));
  stack->server->Resume();
  ASSERT_EQ(end.kind_case(), Value::kStructValue)
      << "no subscriptionEnded while the server was stopped";
  EXPECT_EQ(At(end, "params.subscription").number_value(), sub);
  EXPECT_EQ(At(end, "params.error.code").number_value(), 14) << ToJson(end);
}

// A websocket that closes takes its calls with it: the server, stopped here
// with a call of it in flight, would otherwise be left to compute an answer
// nobody reads (up to --max_inflight_calls per socket) ahead of other
// clients' calls, and the bridge would hold the call until --call_timeout.
TEST(BridgeClose, ASocketThatClosesCancelsItsCalls) {
  auto stack = StartStack(
      {}, [](BridgeOptions* o) { o->call_timeout = absl::Seconds(120); });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(stack->server->Pause());
  ASSERT_TRUE(ws->Send(
      R"({"jsonrpc":"2.0","id":1,"method":"GetGlobalStats","params":{}})"));
  const bool sent = WaitUntil(
      [&] { return stack->bridge->Stats().unary_calls_in_flight == 1; },
      absl::Seconds(10));
  ws->Close();
  const bool cancelled =
      sent &&
      WaitUntil(
          [&] { return stack->bridge->Stats().unary_calls_in_flight == 0; },
          absl::Seconds(10));
  stack->server->Resume();
  ASSERT_TRUE(sent) << "the call never reached the backend";
  EXPECT_TRUE(cancelled) << "the closed socket's call is still in flight";
}

}  // namespace
}  // namespace pulse::bridge::testing
