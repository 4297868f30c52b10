// The one seam between a Connection and the websocketpp connection under it,
// so that the same Connection serves ws:// and wss:// sockets: WsSocket is
// what Connection may do with its socket, WsSocketOf does it on a
// websocketpp server connection of either config.
#ifndef PULSE_BRIDGE_WS_SOCKET_H_
#define PULSE_BRIDGE_WS_SOCKET_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "bridge/ws_types.h"

namespace pulse::bridge {

class WsSocket {
 public:
  virtual ~WsSocket() = default;

  // Any thread: runs `fn` on the socket's strand (unless the io threads
  // stopped).
  virtual void Post(std::function<void()> fn) = 0;
  // The io executor, for timers whose handlers Post to the strand.
  virtual boost::asio::any_io_executor executor() = 0;

  // Strand only, all of them. Queues `message`; a failure means the socket
  // is closing (its close handler cleans up).
  virtual void Send(const WsMessagePtr& message) = 0;
  // Bytes queued and not yet written to the kernel.
  virtual size_t BufferedAmount() = 0;
  // Starts the close handshake with `code`; errors (already closing) ignored.
  virtual void Close(websocketpp::close::status::value code,
                     const std::string& reason) = 0;
  virtual void Ping() = 0;
};

// ConnectionPtr: WsServer::connection_ptr or WssServer::connection_ptr.
template <typename ConnectionPtr>
class WsSocketOf final : public WsSocket {
 public:
  explicit WsSocketOf(ConnectionPtr con) : con_(std::move(con)) {}

  void Post(std::function<void()> fn) override {
    boost::asio::post(*con_->get_strand(), std::move(fn));
  }
  boost::asio::any_io_executor executor() override {
    return con_->get_raw_socket().get_executor();
  }
  void Send(const WsMessagePtr& message) override { (void)con_->send(message); }
  size_t BufferedAmount() override { return con_->get_buffered_amount(); }
  void Close(websocketpp::close::status::value code,
             const std::string& reason) override {
    websocketpp::lib::error_code ignored;
    con_->close(code, reason, ignored);
  }
  void Ping() override {
    websocketpp::lib::error_code ignored;
    con_->ping("", ignored);
  }

 private:
  const ConnectionPtr con_;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_WS_SOCKET_H_
