#include "bridge/connection.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bridge/bridge_context.h"
#include "bridge/method_registry.h"
#include "gtest/gtest.h"

namespace pulse::bridge {
namespace {

// A socket whose queued bytes the test sets; what Connection does to it is
// counted. Everything runs on the test's thread, which stands for the strand.
class FakeSocket final : public WsSocket {
 public:
  struct State {
    size_t buffered = 0;
    // Every frame sent stays queued (a client that does not read).
    bool unread = false;
    int pings = 0;
    std::vector<std::string> sent;
    std::vector<int> closes;  // close codes
  };
  FakeSocket(boost::asio::io_context* io, State* state)
      : io_(io), state_(state) {}

  void Post(std::function<void()> fn) override { fn(); }
  boost::asio::any_io_executor executor() override {
    return io_->get_executor();
  }
  void Send(const WsMessagePtr& message) override {
    state_->sent.push_back(message->get_payload());
    if (state_->unread) state_->buffered += message->get_payload().size();
  }
  size_t BufferedAmount() override { return state_->buffered; }
  void Close(websocketpp::close::status::value code,
             const std::string& /*reason*/) override {
    state_->closes.push_back(code);
  }
  void Ping() override { ++state_->pings; }

 private:
  boost::asio::io_context* const io_;
  State* const state_;
};

class ConnectionBufferAccounting : public ::testing::Test {
 protected:
  std::shared_ptr<Connection> Open(FakeSocket::State* state) {
    return std::make_shared<Connection>(
        &ctx_, std::make_unique<FakeSocket>(&io_, state), "");
  }
  int64_t Total() const { return counters_.buffered_bytes.load(); }

  boost::asio::io_context io_;
  Counters counters_;
  BridgeContext ctx_{BridgeOptions(), nullptr, nullptr, nullptr, &counters_};
};

// A socket that drained after its last update, and gets no more, would
// otherwise count what it last saw queued until it closes.
TEST_F(ConnectionBufferAccounting, EachPingCountsWhatTheSocketHasQueuedNow) {
  FakeSocket::State a;
  FakeSocket::State b;
  std::shared_ptr<Connection> first = Open(&a);
  std::shared_ptr<Connection> second = Open(&b);
  a.buffered = 5000;
  b.buffered = 700;
  first->Ping();
  second->Ping();
  EXPECT_EQ(Total(), 5700);
  a.buffered = 0;  // drained, with no update since
  first->Ping();
  EXPECT_EQ(Total(), 700);
  EXPECT_EQ(a.pings, 2);
  second->OnClose();
  EXPECT_EQ(Total(), 0);
  second->Ping();  // closed: neither pinged nor counted
  EXPECT_EQ(b.pings, 1);
  EXPECT_EQ(Total(), 0);
  first->OnClose();
}

// A congested socket's requests wait; websocketpp's pause_reading is not
// used for that (its resume can start a second read on the socket).
class ConnectionHeldRequests : public ::testing::Test {
 protected:
  ConnectionHeldRequests() {
    ctx_.options.max_buffered_bytes = 1000;
    ctx_.options.max_inflight_calls = 3;
    ctx_.options.max_frame_bytes = 4096;
  }
  std::shared_ptr<Connection> Open() {
    return std::make_shared<Connection>(
        &ctx_, std::make_unique<FakeSocket>(&io_, &state_), "");
  }
  // A request for a method that does not exist: answered with an error
  // frame that carries its id, without a backend.
  static WsMessagePtr Request(int id, size_t padding = 0) {
    return PrepareTextMessage(absl::StrCat(R"({"jsonrpc":"2.0","id":)", id,
                                           R"(,"method":"No)",
                                           std::string(padding, 'x'), R"("})"));
  }
  // Runs the drain timer until `n` frames were sent; false at the deadline.
  bool RunUntilSent(size_t n) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (state_.sent.size() < n &&
           std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(50));
    }
    return state_.sent.size() >= n;
  }

  boost::asio::io_context io_;
  Counters counters_;
  MethodRegistry methods_;
  BridgeContext ctx_{BridgeOptions(), &methods_, nullptr, nullptr, &counters_};
  FakeSocket::State state_;
};

TEST_F(ConnectionHeldRequests, AreAnsweredInOrderOnceTheSocketDrains) {
  std::shared_ptr<Connection> conn = Open();
  conn->OnMessage(Request(1));
  ASSERT_EQ(state_.sent.size(), 1u);  // not congested: answered at once
  state_.buffered = 5000;
  conn->OnMessage(Request(2));
  conn->OnMessage(Request(3));
  EXPECT_EQ(state_.sent.size(), 1u);
  EXPECT_TRUE(conn->congested());
  state_.buffered = 0;
  ASSERT_TRUE(RunUntilSent(3));
  EXPECT_FALSE(conn->congested());
  EXPECT_NE(state_.sent[1].find(R"("id":2,)"), std::string::npos)
      << state_.sent[1];
  EXPECT_NE(state_.sent[2].find(R"("id":3,)"), std::string::npos)
      << state_.sent[2];
  conn->OnMessage(Request(4));
  EXPECT_EQ(state_.sent.size(), 4u);
  EXPECT_TRUE(state_.closes.empty());
  EXPECT_EQ(counters_.frames_received.load(), 4);
  conn->OnClose();
}

// Answers count in the bridge's total when they are queued, not only when
// the next request or ping comes (a client that sends all its requests at
// once and never reads had none counted).
TEST_F(ConnectionHeldRequests, EveryAnswerCountsInTheBridgesBufferedBytes) {
  std::shared_ptr<Connection> conn = Open();
  state_.unread = true;
  conn->OnMessage(Request(1));
  ASSERT_EQ(state_.sent.size(), 1u);
  EXPECT_EQ(counters_.buffered_bytes.load(),
            static_cast<int64_t>(state_.sent[0].size()));
  EXPECT_EQ(counters_.max_buffered_seen.load(),
            static_cast<int64_t>(state_.sent[0].size()));
  conn->OnClose();
  EXPECT_EQ(counters_.buffered_bytes.load(), 0);
}

// More than a few frames that a send left queued stay counted only until
// they go, even when no other send or ping comes to count the socket again.
TEST_F(ConnectionHeldRequests, BytesQueuedAtTheLastSendAreUncountedOnceTheyGo) {
  ctx_.options.max_buffered_bytes = 1 << 20;  // not congested
  std::shared_ptr<Connection> conn = Open();
  state_.buffered = 20'000;  // earlier frames, still queued
  state_.unread = true;
  conn->OnMessage(Request(1));
  ASSERT_GT(counters_.buffered_bytes.load(), 20'000);
  state_.buffered = 0;  // the client read them
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (counters_.buffered_bytes.load() != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(counters_.buffered_bytes.load(), 0);
  EXPECT_FALSE(conn->congested());
  conn->OnClose();
}

// A frame or two queued behind a write in flight is not polled for every
// 10 ms: it stays counted until the socket's next send or ping, or a second.
TEST_F(ConnectionHeldRequests, AFewQueuedBytesAreCountedAgainWithinASecond) {
  ctx_.options.max_buffered_bytes = 1 << 20;
  std::shared_ptr<Connection> conn = Open();
  state_.buffered = 2'000;
  conn->OnMessage(Request(1));
  ASSERT_EQ(counters_.buffered_bytes.load(), 2'000);
  state_.buffered = 0;
  const auto sent = std::chrono::steady_clock::now();
  io_.run_for(std::chrono::milliseconds(100));  // ten drain polls' time
  EXPECT_EQ(counters_.buffered_bytes.load(), 2'000);
  while (counters_.buffered_bytes.load() != 0 &&
         std::chrono::steady_clock::now() < sent + std::chrono::seconds(10)) {
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(counters_.buffered_bytes.load(), 0);
  conn->OnClose();
}

TEST_F(ConnectionHeldRequests, OneMoreThanTheHoldClosesTheSocket) {
  std::shared_ptr<Connection> conn = Open();
  state_.buffered = 5000;
  for (int id = 1; id <= 3; ++id) conn->OnMessage(Request(id));
  EXPECT_TRUE(state_.closes.empty());
  conn->OnMessage(Request(4));  // --max_inflight_calls held already
  ASSERT_EQ(state_.closes.size(), 1u);
  EXPECT_EQ(state_.closes[0], websocketpp::close::status::policy_violation);
  EXPECT_EQ(counters_.closed_unread.load(), 1);
  conn->OnMessage(Request(5));  // dropped: the socket is closing
  EXPECT_EQ(state_.closes.size(), 1u);
  EXPECT_EQ(counters_.frames_received.load(), 4);
  EXPECT_TRUE(state_.sent.empty());
  conn->OnClose();
}

TEST_F(ConnectionHeldRequests, SoDoesMoreThanMaxFrameBytesHeld) {
  std::shared_ptr<Connection> conn = Open();
  state_.buffered = 5000;
  conn->OnMessage(Request(1, 3000));
  EXPECT_TRUE(state_.closes.empty());
  conn->OnMessage(Request(2, 1100));  // over 4,096 bytes held in all
  ASSERT_EQ(state_.closes.size(), 1u);
  EXPECT_EQ(counters_.closed_unread.load(), 1);
  conn->OnClose();
}

}  // namespace
}  // namespace pulse::bridge
