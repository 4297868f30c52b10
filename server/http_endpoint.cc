#include "server/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/host_port.h"
#include "server/log.h"

namespace pulse::server {
namespace {

constexpr size_t kMaxRequestBytes = 8192;
// For the whole exchange, reading the request and writing the answer.
constexpr std::chrono::milliseconds kRequestTimeout(2000);
// How often the loop looks at stop_.
constexpr std::chrono::milliseconds kStopPoll(100);
// Connections served at once. One more accepted closes the oldest: clients
// that connect and send nothing cannot keep a scrape out.
constexpr size_t kMaxConnections = 32;

// The answer to one request (the bytes before the blank line).
std::string Answer(absl::string_view request,
                   const std::function<std::string()>& render) {
  // "METHOD /path?query HTTP/1.x": only /metrics is served, to GET and HEAD.
  const std::vector<absl::string_view> line =
      absl::StrSplit(request.substr(0, request.find("\r\n")), ' ');
  const absl::string_view method = line[0];
  const absl::string_view path =
      line.size() > 1 ? line[1].substr(0, line[1].find('?')) : "";
  if (path != "/metrics")
    return "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  if (method != "GET" && method != "HEAD") {
    return "HTTP/1.0 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
           "Content-Length: 0\r\n\r\n";
  }
  const std::string body = render();
  return absl::StrCat(
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
      "Content-Length: ",
      body.size(), "\r\n\r\n", method == "GET" ? body : "");
}

}  // namespace

// One connection: its request as read so far, then its answer as sent so far.
struct HttpEndpoint::Connection {
  int fd;
  std::chrono::steady_clock::time_point deadline;
  std::string request;
  std::string answer;  // empty while the request is read
  size_t sent = 0;
};

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    const std::string& listen, std::function<std::string()> render) {
  absl::StatusOr<HostPort> address = ParseHostPort(listen, "--metrics_listen");
  if (!address.ok()) return address.status();
  std::string host = address->host;
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(address->port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics_listen: expected an IPv4 host, got '", listen, "'"));
  }
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint);
  endpoint->render_ = std::move(render);
  endpoint->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(endpoint->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(endpoint->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
           sizeof(addr)) != 0 ||
      ::listen(endpoint->listen_fd_, 16) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, ": ", std::strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  getsockname(endpoint->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  endpoint->port_ = ntohs(addr.sin_port);
  endpoint->thread_ = std::thread([e = endpoint.get()] {
    NameThisThread("pulse-http");
    e->Run();
  });
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void HttpEndpoint::Run() {
  std::vector<Connection> connections;
  std::vector<pollfd> fds;
  while (!stop_) {
    fds.assign(1, pollfd{listen_fd_, POLLIN, 0});
    for (const Connection& c : connections)
      fds.push_back(pollfd{
          c.fd, static_cast<short>(c.answer.empty() ? POLLIN : POLLOUT), 0});
    if (poll(fds.data(), fds.size(), static_cast<int>(kStopPoll.count())) < 0 &&
        errno != EINTR) {
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    // Connections, oldest first; each step may end one.
    std::vector<Connection> open;
    for (size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      const short revents = fds[i + 1].revents;
      if (revents != 0 && !Step(c)) {
        close(c.fd);
      } else if (now >= c.deadline) {
        close(c.fd);  // too slow: its request or its reading
      } else {
        open.push_back(std::move(c));
      }
    }
    connections = std::move(open);
    if ((fds[0].revents & POLLIN) != 0) {
      const int fd =
          accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      ++accepted_;
      if (connections.size() == kMaxConnections) {
        close(connections.front().fd);
        connections.erase(connections.begin());
      }
      connections.push_back(Connection{fd, now + kRequestTimeout, {}, {}, 0});
    }
  }
  for (const Connection& c : connections) close(c.fd);
}

bool HttpEndpoint::Step(Connection& c) {
  if (c.answer.empty()) {
    char buf[1024];
    const ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return false;  // closed before its request was whole
    c.request.append(buf, static_cast<size_t>(n));
    const size_t end = c.request.find("\r\n\r\n");
    if (end == std::string::npos) {
      return c.request.size() < kMaxRequestBytes;
    }
    c.answer = Answer(absl::string_view(c.request).substr(0, end), render_);
  }
  while (c.sent < c.answer.size()) {
    const ssize_t n = send(c.fd, c.answer.data() + c.sent,
                           c.answer.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.sent += static_cast<size_t>(n);
  }
  return false;  // answered: HTTP/1.0 closes
}

}  // namespace pulse::server
