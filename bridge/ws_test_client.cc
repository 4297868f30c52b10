#include "bridge/ws_test_client.h"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/time_scale.h"

namespace pulse::bridge::testing {

using google::protobuf::Value;

Value ParseJson(const std::string& json) {
  Value v;
  if (!google::protobuf::util::JsonStringToMessage(json, &v).ok())
    return Value();
  return v;
}

Value At(const Value& v, const std::string& path) {
  Value cur = v;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (cur.kind_case() != Value::kStructValue) return Value();
    auto it = cur.struct_value().fields().find(std::string(part));
    if (it == cur.struct_value().fields().end()) return Value();
    Value next = it->second;
    cur = std::move(next);
  }
  return cur;
}

std::string ToJson(const Value& v) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(v, &out);
  return out;
}

bool WsConn::Send(const std::string& payload, bool binary) {
  return send_(payload, binary ? websocketpp::frame::opcode::binary
                               : websocketpp::frame::opcode::text);
}

Value WsConn::Call(const std::string& method, const std::string& params_json,
                   absl::Duration timeout) {
  int id;
  {
    absl::MutexLock lock(&mu_);
    id = next_id_++;
  }
  if (!Send(absl::StrCat(R"({"jsonrpc":"2.0","id":)", id, R"(,"method":")",
                         method, R"(","params":)", params_json, "}"))) {
    return Value();
  }
  return WaitFor(
      [id](const Value& v) {
        const Value got = At(v, "id");
        return got.kind_case() == Value::kNumberValue &&
               got.number_value() == id;
      },
      timeout);
}

Value WsConn::WaitFor(const std::function<bool(const Value&)>& pred,
                      absl::Duration timeout) {
  size_t checked = 0;
  Value found;
  bool ok = false;
  auto cond = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (; checked < frames_.size(); ++checked) {
      Value v = ParseJson(frames_[checked]);
      if (pred(v)) {
        found = std::move(v);
        ok = true;
        return true;
      }
    }
    return state_ == State::kClosed || state_ == State::kFailed;
  };
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&cond), pulse::testing::Scaled(timeout));
  return ok ? found : Value();
}

bool WsConn::WaitSettled(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cond = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return state_ != State::kConnecting;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&cond),
                              pulse::testing::Scaled(timeout));
}

bool WsConn::WaitClosed(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cond = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return state_ == State::kClosed || state_ == State::kFailed;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&cond),
                              pulse::testing::Scaled(timeout));
}

WsConn::State WsConn::state() {
  absl::MutexLock lock(&mu_);
  return state_;
}
int WsConn::close_code() {
  absl::MutexLock lock(&mu_);
  return close_code_;
}
int WsConn::http_status() {
  absl::MutexLock lock(&mu_);
  return http_status_;
}
std::string WsConn::error() {
  absl::MutexLock lock(&mu_);
  return error_;
}
std::vector<std::string> WsConn::frames() {
  absl::MutexLock lock(&mu_);
  return frames_;
}

int WsConn::pings() {
  absl::MutexLock lock(&mu_);
  return pings_;
}

void WsConn::Close() { close_(); }

WsClient::WsClient(std::string tls_ca_file)
    : tls_ca_file_(std::move(tls_ca_file)) {
  endpoint_.clear_access_channels(websocketpp::log::alevel::all);
  endpoint_.clear_error_channels(websocketpp::log::elevel::all);
  tls_endpoint_.clear_access_channels(websocketpp::log::alevel::all);
  tls_endpoint_.clear_error_channels(websocketpp::log::elevel::all);
  endpoint_.init_asio(&io_);
  tls_endpoint_.init_asio(&io_);
  // The host name check is added per connection (ConnectOn): the URI is not
  // known yet when this runs.
  tls_endpoint_.set_tls_init_handler([this](websocketpp::connection_hdl) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!tls_ca_file_.empty()) ctx->load_verify_file(tls_ca_file_, ec);
    EXPECT_FALSE(ec) << tls_ca_file_ << ": " << ec.message();
    return ctx;
  });
  endpoint_.start_perpetual();
  tls_endpoint_.start_perpetual();
  thread_ = std::thread([this] { io_.run(); });
}

WsClient::~WsClient() {
  std::vector<std::shared_ptr<WsConn>> conns;
  {
    absl::MutexLock lock(&mu_);
    conns.swap(conns_);
  }
  for (auto& c : conns) {
    if (c->state() == WsConn::State::kOpen) c->Close();
  }
  for (auto& c : conns) c->WaitClosed(absl::Seconds(5));
  endpoint_.stop_perpetual();
  tls_endpoint_.stop_perpetual();
  io_.stop();
  thread_.join();
}

std::shared_ptr<WsConn> WsClient::Connect(
    const std::string& uri,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::vector<std::string>& subprotocols) {
  if (absl::StartsWith(uri, "wss://"))
    return ConnectOn(tls_endpoint_, uri, headers, subprotocols);
  return ConnectOn(endpoint_, uri, headers, subprotocols);
}

template <typename Endpoint>
std::shared_ptr<WsConn> WsClient::ConnectOn(
    Endpoint& endpoint, const std::string& uri,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::vector<std::string>& subprotocols) {
  auto conn = std::make_shared<WsConn>();
  websocketpp::lib::error_code ec;
  typename Endpoint::connection_ptr con = endpoint.get_connection(uri, ec);
  if (ec) {
    absl::MutexLock lock(&conn->mu_);
    conn->state_ = WsConn::State::kFailed;
    conn->error_ = ec.message();
    return conn;
  }
  if constexpr (std::is_same_v<Endpoint, WssClientEndpoint>) {
    boost::system::error_code verify_ec;
    con->get_socket().set_verify_callback(
        boost::asio::ssl::host_name_verification(con->get_host()), verify_ec);
  }
  websocketpp::connection_hdl hdl = con->get_handle();
  conn->send_ = [&endpoint, hdl](const std::string& payload,
                                 websocketpp::frame::opcode::value op) {
    websocketpp::lib::error_code send_ec;
    endpoint.send(hdl, payload, op, send_ec);
    return !send_ec;
  };
  // On the io thread: websocketpp's close writes connection state that its
  // read handler reads there without a lock (TSan saw the race).
  conn->close_ = [this, &endpoint, hdl] {
    boost::asio::post(io_, [&endpoint, hdl] {
      websocketpp::lib::error_code close_ec;
      endpoint.close(hdl, websocketpp::close::status::normal, "bye", close_ec);
    });
  };
  for (const auto& [k, v] : headers) con->append_header(k, v);
  for (const auto& p : subprotocols) con->add_subprotocol(p);
  std::weak_ptr<WsConn> weak = conn;
  con->set_open_handler([weak](websocketpp::connection_hdl) {
    if (auto c = weak.lock()) {
      absl::MutexLock lock(&c->mu_);
      c->state_ = WsConn::State::kOpen;
    }
  });
  con->set_fail_handler([weak, &endpoint](websocketpp::connection_hdl hdl) {
    auto c = weak.lock();
    if (!c) return;
    websocketpp::lib::error_code ec;
    auto con = endpoint.get_con_from_hdl(hdl, ec);
    absl::MutexLock lock(&c->mu_);
    c->state_ = WsConn::State::kFailed;
    if (!ec) {
      c->http_status_ = con->get_response().get_status_code();
      c->error_ = con->get_ec().message();
    }
  });
  con->set_close_handler([weak, &endpoint](websocketpp::connection_hdl hdl) {
    auto c = weak.lock();
    if (!c) return;
    websocketpp::lib::error_code ec;
    auto con = endpoint.get_con_from_hdl(hdl, ec);
    absl::MutexLock lock(&c->mu_);
    c->state_ = WsConn::State::kClosed;
    if (!ec) c->close_code_ = con->get_remote_close_code();
  });
  con->set_message_handler(
      [weak](websocketpp::connection_hdl, typename Endpoint::message_ptr m) {
        if (auto c = weak.lock()) {
          absl::MutexLock lock(&c->mu_);
          c->frames_.push_back(m->get_payload());
        }
      });
  con->set_ping_handler([weak](websocketpp::connection_hdl, std::string) {
    if (auto c = weak.lock()) {
      absl::MutexLock lock(&c->mu_);
      ++c->pings_;
    }
    return true;  // answer it
  });
  endpoint.connect(con);
  absl::MutexLock lock(&mu_);
  conns_.push_back(conn);
  return conn;
}

std::shared_ptr<WsConn> WsClient::ConnectOpen(const std::string& uri) {
  std::shared_ptr<WsConn> conn = Connect(uri);
  if (!conn->WaitSettled() || conn->state() != WsConn::State::kOpen) {
    ADD_FAILURE() << "cannot open " << uri << " (HTTP " << conn->http_status()
                  << ")";
    return nullptr;
  }
  return conn;
}

}  // namespace pulse::bridge::testing
