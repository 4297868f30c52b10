#include "server/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/host_port.h"
#include "server/log.h"

namespace pulse::server {
namespace {

constexpr size_t kMaxRequestBytes = 8192;
// For the whole exchange, reading the request and writing the answer.
constexpr std::chrono::milliseconds kRequestTimeout(2000);
// How often a wait looks at stop_.
constexpr std::chrono::milliseconds kStopPoll(100);

}  // namespace

bool HttpEndpoint::Wait(int fd, short events,
                        std::chrono::steady_clock::time_point deadline) const {
  while (!stop_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int r =
        poll(&p, 1, static_cast<int>(std::min(left, kStopPoll).count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
  return false;
}

void HttpEndpoint::WriteAll(
    int fd, const std::string& data,
    std::chrono::steady_clock::time_point deadline) const {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!Wait(fd, POLLOUT, deadline)) return;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return;
    }
  }
}

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
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;  // wakes to check stop_
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepted_;
    Serve(fd);
    close(fd);
  }
}

void HttpEndpoint::Serve(int fd) {
  // One deadline for the whole exchange: a client that trickles its request
  // a byte at a time holds the (only) thread no longer than that, and stop_
  // ends it at once.
  const auto deadline = std::chrono::steady_clock::now() + kRequestTimeout;
  std::string request;
  char buf[1024];
  while (request.find("\r\n\r\n") == std::string::npos &&
         request.size() < kMaxRequestBytes) {
    if (!Wait(fd, POLLIN, deadline)) return;
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  // "METHOD /path?query HTTP/1.x": only /metrics is served, to GET and HEAD.
  const std::vector<absl::string_view> line = absl::StrSplit(
      absl::string_view(request).substr(0, request.find("\r\n")), ' ');
  const absl::string_view method = line[0];
  const absl::string_view path =
      line.size() > 1 ? line[1].substr(0, line[1].find('?')) : "";
  if (path != "/metrics") {
    WriteAll(fd, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
             deadline);
    return;
  }
  if (method != "GET" && method != "HEAD") {
    WriteAll(fd,
             "HTTP/1.0 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
             "Content-Length: 0\r\n\r\n",
             deadline);
    return;
  }
  const std::string body = render_();
  WriteAll(fd,
           absl::StrCat("HTTP/1.0 200 OK\r\n"
                        "Content-Type: text/plain; version=0.0.4\r\n"
                        "Content-Length: ",
                        body.size(), "\r\n\r\n", method == "GET" ? body : ""),
           deadline);
}

}  // namespace pulse::server
