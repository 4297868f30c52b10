#include "bridge/ws_test_client.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

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
  websocketpp::lib::error_code ec;
  endpoint_->send(hdl_, payload,
                  binary ? websocketpp::frame::opcode::binary
                         : websocketpp::frame::opcode::text,
                  ec);
  return !ec;
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
  mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
  return ok ? found : Value();
}

bool WsConn::WaitSettled(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cond = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return state_ != State::kConnecting;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
}

bool WsConn::WaitClosed(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cond = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return state_ == State::kClosed || state_ == State::kFailed;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
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
std::vector<std::string> WsConn::frames() {
  absl::MutexLock lock(&mu_);
  return frames_;
}

void WsConn::Close() {
  websocketpp::lib::error_code ec;
  endpoint_->close(hdl_, websocketpp::close::status::normal, "bye", ec);
}

WsClient::WsClient() {
  endpoint_.clear_access_channels(websocketpp::log::alevel::all);
  endpoint_.clear_error_channels(websocketpp::log::elevel::all);
  endpoint_.init_asio();
  endpoint_.start_perpetual();
  thread_ = std::thread([this] { endpoint_.run(); });
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
  endpoint_.stop();
  thread_.join();
}

std::shared_ptr<WsConn> WsClient::Connect(
    const std::string& uri,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::vector<std::string>& subprotocols) {
  auto conn = std::make_shared<WsConn>();
  conn->endpoint_ = &endpoint_;
  websocketpp::lib::error_code ec;
  WsClientEndpoint::connection_ptr con = endpoint_.get_connection(uri, ec);
  if (ec) {
    absl::MutexLock lock(&conn->mu_);
    conn->state_ = WsConn::State::kFailed;
    return conn;
  }
  for (const auto& [k, v] : headers) con->append_header(k, v);
  for (const auto& p : subprotocols) con->add_subprotocol(p);
  std::weak_ptr<WsConn> weak = conn;
  con->set_open_handler([weak](websocketpp::connection_hdl) {
    if (auto c = weak.lock()) {
      absl::MutexLock lock(&c->mu_);
      c->state_ = WsConn::State::kOpen;
    }
  });
  con->set_fail_handler([weak, this](websocketpp::connection_hdl hdl) {
    auto c = weak.lock();
    if (!c) return;
    websocketpp::lib::error_code ec;
    auto con = endpoint_.get_con_from_hdl(hdl, ec);
    absl::MutexLock lock(&c->mu_);
    c->state_ = WsConn::State::kFailed;
    if (!ec) c->http_status_ = con->get_response().get_status_code();
  });
  con->set_close_handler([weak, this](websocketpp::connection_hdl hdl) {
    auto c = weak.lock();
    if (!c) return;
    websocketpp::lib::error_code ec;
    auto con = endpoint_.get_con_from_hdl(hdl, ec);
    absl::MutexLock lock(&c->mu_);
    c->state_ = WsConn::State::kClosed;
    if (!ec) c->close_code_ = con->get_remote_close_code();
  });
  con->set_message_handler(
      [weak](websocketpp::connection_hdl, WsClientEndpoint::message_ptr m) {
        if (auto c = weak.lock()) {
          absl::MutexLock lock(&c->mu_);
          c->frames_.push_back(m->get_payload());
        }
      });
  conn->hdl_ = con->get_handle();
  endpoint_.connect(con);
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
