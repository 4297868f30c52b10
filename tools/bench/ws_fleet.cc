#include "tools/bench/ws_fleet.h"

#include <algorithm>
#include <chrono>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace pulse::bench {

using Endpoint = websocketpp::client<websocketpp::config::asio_client>;

int64_t MarkerLikes(absl::string_view frame, absl::string_view post_id) {
  const std::string needle = absl::StrCat("\"postId\":\"", post_id, "\"");
  const size_t at = frame.find(needle);
  if (at == absl::string_view::npos) return -1;
  // The likes must belong to this post's object: a PostStats holds no
  // nested object, so it ends at the first '}'. Without the bound, a post
  // whose likes (0) are left out would read the global totals' likes.
  const size_t end_of_post = frame.find('}', at + needle.size());
  constexpr absl::string_view kLikes = "\"likes\":\"";
  const size_t likes = frame.find(kLikes, at + needle.size());
  if (likes == absl::string_view::npos || likes > end_of_post) {
    return 0;  // default-valued likes are left out: zero
  }
  const size_t start = likes + kLikes.size();
  const size_t end = frame.find('"', start);
  int64_t value = 0;
  if (end == absl::string_view::npos ||
      !absl::SimpleAtoi(frame.substr(start, end - start), &value)) {
    return -1;
  }
  return value;
}

absl::Time UpdateTime(absl::string_view frame) {
  constexpr absl::string_view kTime = "\"time\":\"";
  const size_t at = frame.find(kTime);
  if (at == absl::string_view::npos) return absl::InfinitePast();
  const size_t start = at + kTime.size();
  const size_t end = frame.find('"', start);
  absl::Time t;
  std::string err;
  if (end == absl::string_view::npos ||
      !absl::ParseTime(absl::RFC3339_full, frame.substr(start, end - start), &t,
                       &err)) {
    return absl::InfinitePast();
  }
  return t;
}

struct WsFleet::Impl {
  // Touched only by the socket's own handlers, except under mu.
  struct Conn {
    websocketpp::connection_hdl hdl;
    std::string marker;
    int64_t last = -1;  // last marker likes seen; -1 before the snapshot
  };
  std::string uri;
  Endpoint endpoint;
  std::vector<std::thread> threads;
  std::atomic<int> io_running{0};
  absl::Mutex mu;
  std::vector<std::unique_ptr<Conn>> conns ABSL_GUARDED_BY(mu);
  bool measuring ABSL_GUARDED_BY(mu) = false;
  bool closing ABSL_GUARDED_BY(mu) = false;
  std::vector<Seen> seen ABSL_GUARDED_BY(mu);
};

WsFleet::WsFleet(std::string uri, int threads)
    : impl_(std::make_unique<Impl>()) {
  impl_->uri = std::move(uri);
  Endpoint& ep = impl_->endpoint;
  ep.clear_access_channels(websocketpp::log::alevel::all);
  ep.clear_error_channels(websocketpp::log::elevel::all);
  ep.init_asio();
  ep.start_perpetual();
  threads = std::max(threads, 1);
  impl_->io_running = threads;
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([this] {
      impl_->endpoint.run();
      --impl_->io_running;
    });
  }
}

WsFleet::~WsFleet() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->closing = true;
  }
  std::vector<websocketpp::connection_hdl> hdls;
  {
    absl::MutexLock lock(&impl_->mu);
    for (auto& c : impl_->conns) hdls.push_back(c->hdl);
  }
  // Closes run on an io thread, where the sockets' handlers run.
  impl_->endpoint.get_io_service().post([this, hdls] {
    for (const auto& hdl : hdls) {
      websocketpp::lib::error_code ec;
      impl_->endpoint.close(hdl, websocketpp::close::status::going_away, "",
                            ec);
    }
  });
  impl_->endpoint.stop_perpetual();
  // Sockets whose peer never answers the close are cut after a while.
  std::thread stopper([this] {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (impl_->io_running.load() > 0 && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (impl_->io_running.load() > 0) impl_->endpoint.stop();
  });
  for (std::thread& t : impl_->threads) t.join();
  stopper.join();
}

absl::Status WsFleet::Open(int n, int wave,
                           const std::function<std::string(int)>& subscribe,
                           const std::function<std::string(int)>& marker,
                           absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (int i = 0; i < n; ++i) {
    websocketpp::lib::error_code ec;
    Endpoint::connection_ptr con =
        impl_->endpoint.get_connection(impl_->uri, ec);
    if (ec) return absl::InternalError(ec.message());
    Impl::Conn* conn;
    {
      absl::MutexLock lock(&impl_->mu);
      impl_->conns.push_back(std::make_unique<Impl::Conn>());
      conn = impl_->conns.back().get();
    }
    conn->marker = marker(i);
    conn->hdl = con->get_handle();
    const std::string frame = subscribe(i);
    con->set_open_handler([this, frame](websocketpp::connection_hdl hdl) {
      ++opened_;
      websocketpp::lib::error_code send_ec;
      impl_->endpoint.send(hdl, frame, websocketpp::frame::opcode::text,
                           send_ec);
    });
    con->set_fail_handler([this](websocketpp::connection_hdl) { ++failed_; });
    con->set_close_handler([this](websocketpp::connection_hdl) {
      absl::MutexLock lock(&impl_->mu);
      if (!impl_->closing) ++closed_;
    });
    con->set_message_handler(
        [this, conn](websocketpp::connection_hdl, Endpoint::message_ptr msg) {
          const std::string& payload = msg->get_payload();
          if (payload.find("\"error\":") != std::string::npos &&
              payload.find("\"method\":\"update\"") == std::string::npos) {
            ++errors_;
            return;
          }
          if (payload.find("\"method\":\"update\"") == std::string::npos)
            return;
          const absl::Time now = absl::Now();
          const int64_t likes = MarkerLikes(payload, conn->marker);
          absl::MutexLock lock(&impl_->mu);
          if (impl_->measuring) {
            ++frames_;
            bytes_ += static_cast<int64_t>(payload.size());
          }
          if (conn->last < 0) {
            conn->last = std::max<int64_t>(likes, 0);
            ++snapshots_;
            return;
          }
          if (likes > conn->last) {
            if (impl_->measuring) {
              const absl::Time built = UpdateTime(payload);
              for (int64_t v = conn->last + 1; v <= likes; ++v) {
                impl_->seen.push_back({v, now, built});
              }
            }
            conn->last = likes;
          }
        });
    impl_->endpoint.connect(con);
    // Opening in waves keeps the bridge's accept queue and handshake
    // timeout out of the measurement.
    if ((i + 1) % wave == 0 || i + 1 == n) {
      while (opened_.load() + failed_.load() < i + 1) {
        if (absl::Now() > deadline) {
          return absl::DeadlineExceededError(
              absl::StrCat("websockets: ", opened_.load(), " open of ", i + 1));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  }
  while (snapshots_.load() + failed_.load() + closed_.load() < n) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("websockets: ", snapshots_.load(), " snapshots of ", n,
                       ", ", failed_.load(), " failed, ", closed_.load(),
                       " closed, ", errors_.load(), " error frames"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (failed_.load() + closed_.load() > 0) {
    return absl::UnavailableError(absl::StrCat("websockets: ", failed_.load(),
                                               " failed, ", closed_.load(),
                                               " closed while opening"));
  }
  return absl::OkStatus();
}

void WsFleet::StartMeasuring() {
  absl::MutexLock lock(&impl_->mu);
  frames_ = 0;
  bytes_ = 0;
  impl_->seen.clear();
  impl_->measuring = true;
}

std::vector<Seen> WsFleet::StopMeasuring() {
  absl::MutexLock lock(&impl_->mu);
  impl_->measuring = false;
  return std::move(impl_->seen);
}

std::vector<Seen> WsFleet::TakeSeen() {
  absl::MutexLock lock(&impl_->mu);
  std::vector<Seen> seen;
  seen.swap(impl_->seen);
  return seen;
}

int64_t WsFleet::MinLastSeen() {
  absl::MutexLock lock(&impl_->mu);
  int64_t min = INT64_MAX;
  for (const auto& c : impl_->conns) min = std::min(min, c->last);
  return impl_->conns.empty() ? -1 : min;
}

}  // namespace pulse::bench
