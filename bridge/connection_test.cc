#include "bridge/connection.h"

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bridge/bridge_context.h"
#include "gtest/gtest.h"

namespace pulse::bridge {
namespace {

// A socket whose queued bytes the test sets; what Connection does to it is
// counted. Everything runs on the test's thread, which stands for the strand.
class FakeSocket final : public WsSocket {
 public:
  struct State {
    size_t buffered = 0;
    int pings = 0;
  };
  FakeSocket(boost::asio::io_context* io, State* state)
      : io_(io), state_(state) {}

  void Post(std::function<void()> fn) override { fn(); }
  boost::asio::any_io_executor executor() override {
    return io_->get_executor();
  }
  void Send(const WsMessagePtr& /*message*/) override {}
  size_t BufferedAmount() override { return state_->buffered; }
  void PauseReading() override {}
  void ResumeReading() override {}
  void Close(websocketpp::close::status::value /*code*/,
             const std::string& /*reason*/) override {}
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

}  // namespace
}  // namespace pulse::bridge
