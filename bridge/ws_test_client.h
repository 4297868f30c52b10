// A websocket client for tests: websocketpp's asio clients (ws:// and, with
// TLS, wss://) on their own io thread, recording every frame each connection
// receives.
#ifndef PULSE_BRIDGE_WS_TEST_CLIENT_H_
#define PULSE_BRIDGE_WS_TEST_CLIENT_H_

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"

namespace pulse::bridge::testing {

using WsClientEndpoint = websocketpp::client<websocketpp::config::asio_client>;
using WssClientEndpoint =
    websocketpp::client<websocketpp::config::asio_tls_client>;

// Parses JSON with protobuf's JSON mapping; a null Value if it is not JSON.
google::protobuf::Value ParseJson(const std::string& json);
// The member at a dotted path ("params.update.global"); null Value if absent.
google::protobuf::Value At(const google::protobuf::Value& v,
                           const std::string& path);
// Prints a Value back to JSON.
std::string ToJson(const google::protobuf::Value& v);

// One client connection. Thread-safe.
class WsConn {
 public:
  enum class State { kConnecting, kOpen, kFailed, kClosed };

  // Every wait below ends after Scaled(timeout) (tests/time_scale.h).

  // Sends a text (or binary) frame; false if the socket is not open.
  bool Send(const std::string& payload, bool binary = false);
  // Sends {"jsonrpc":"2.0","id":<next>,"method":...,"params":...} and waits
  // for the answer with that id; a null Value after `timeout`.
  google::protobuf::Value Call(const std::string& method,
                               const std::string& params_json,
                               absl::Duration timeout = absl::Seconds(10));
  // Waits until some received frame satisfies `pred`; returns the first that
  // does (null Value after `timeout`).
  google::protobuf::Value WaitFor(
      const std::function<bool(const google::protobuf::Value&)>& pred,
      absl::Duration timeout = absl::Seconds(10));
  // Waits until the state is no longer kConnecting / is kClosed or kFailed.
  bool WaitSettled(absl::Duration timeout = absl::Seconds(10));
  bool WaitClosed(absl::Duration timeout = absl::Seconds(10));

  State state();
  // The close code the peer sent, or the handshake's HTTP status on failure.
  int close_code();
  int http_status();
  // Why the connection failed (websocketpp's error message); empty if not.
  std::string error();
  // Every text frame received so far, raw.
  std::vector<std::string> frames();
  // Pings received so far (each answered with a pong).
  int pings();
  // Starts the close handshake (1000) if open, on the io thread; WaitClosed
  // waits for its end.
  void Close();

 private:
  friend class WsClient;
  // Send and Close through the endpoint (ws or wss) that owns the socket.
  std::function<bool(const std::string&, websocketpp::frame::opcode::value)>
      send_;
  std::function<void()> close_;
  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kConnecting;
  int close_code_ ABSL_GUARDED_BY(mu_) = 0;
  int http_status_ ABSL_GUARDED_BY(mu_) = 0;
  std::string error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> frames_ ABSL_GUARDED_BY(mu_);
  int pings_ ABSL_GUARDED_BY(mu_) = 0;
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

// Owns the client endpoints and their io thread.
class WsClient {
 public:
  // wss:// connections trust only the PEM certificates in `tls_ca_file`
  // (none when empty) and check the certificate names the URI's host.
  explicit WsClient(std::string tls_ca_file = "");
  // Closes every connection and joins the io thread.
  ~WsClient();

  // Starts a connection to `uri` (ws:// or wss://) with extra request
  // headers; returns at once.
  std::shared_ptr<WsConn> Connect(
      const std::string& uri,
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      const std::vector<std::string>& subprotocols = {});
  // Connect, then wait until open; nullptr (with a test failure) otherwise.
  std::shared_ptr<WsConn> ConnectOpen(const std::string& uri);

 private:
  template <typename Endpoint>
  std::shared_ptr<WsConn> ConnectOn(
      Endpoint& endpoint, const std::string& uri,
      const std::vector<std::pair<std::string, std::string>>& headers,
      const std::vector<std::string>& subprotocols);

  const std::string tls_ca_file_;
  boost::asio::io_context io_;
  WsClientEndpoint endpoint_;
  WssClientEndpoint tls_endpoint_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<WsConn>> conns_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::bridge::testing

#endif  // PULSE_BRIDGE_WS_TEST_CLIENT_H_
