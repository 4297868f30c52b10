#include "server/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace pulse::server {
namespace {

std::unique_ptr<HttpEndpoint> Start() {
  auto endpoint =
      HttpEndpoint::Start("127.0.0.1:0", [] { return std::string("m 1\n"); });
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  return endpoint.ok() ? *std::move(endpoint) : nullptr;
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// What the endpoint sends until it closes the connection (*closed) or the
// timeout passes.
std::string ReadUntilClosed(int fd, absl::Duration timeout, bool* closed) {
  std::string out;
  const absl::Time deadline = absl::Now() + timeout;
  *closed = false;
  char buf[4096];
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends a byte every 200 ms until the endpoint closes or 60 were sent.
class Trickler {
 public:
  explicit Trickler(int fd)
      : thread_([this, fd] {
          for (int i = 0; i < 60 && !stop_; ++i) {
            if (send(fd, "G", 1, MSG_NOSIGNAL) != 1) return;
            absl::SleepFor(absl::Milliseconds(200));
          }
        }) {}
  ~Trickler() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string Request(int port, const std::string& method,
                    const std::string& path) {
  const int fd = Connect(port);
  const std::string request = method + " " + path + " HTTP/1.0\r\n\r\n";
  EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  bool closed = false;
  std::string answer = ReadUntilClosed(fd, absl::Seconds(10), &closed);
  EXPECT_TRUE(closed);
  close(fd);
  return answer;
}

std::string Get(int port, const std::string& path) {
  return Request(port, "GET", path);
}

TEST(HttpEndpoint, ServesMetricsAndNothingElse) {
  std::unique_ptr<HttpEndpoint> endpoint = Start();
  ASSERT_NE(endpoint, nullptr);
  const std::string metrics = Get(endpoint->port(), "/metrics");
  EXPECT_TRUE(absl::StartsWith(metrics, "HTTP/1.0 200 OK\r\n")) << metrics;
  EXPECT_TRUE(absl::EndsWith(metrics, "\r\n\r\nm 1\n")) << metrics;
  EXPECT_TRUE(absl::EndsWith(Get(endpoint->port(), "/metrics?x=1"), "m 1\n"));
  EXPECT_TRUE(absl::StartsWith(Get(endpoint->port(), "/other"),
                               "HTTP/1.0 404 Not Found\r\n"));
  EXPECT_TRUE(absl::StartsWith(Get(endpoint->port(), "/metricsx"),
                               "HTTP/1.0 404 Not Found\r\n"));
}

// HEAD gets GET's headers and no body; any other method 405 and what is
// allowed.
TEST(HttpEndpoint, AnswersHeadAndRefusesOtherMethods) {
  std::unique_ptr<HttpEndpoint> endpoint = Start();
  ASSERT_NE(endpoint, nullptr);
  const std::string head = Request(endpoint->port(), "HEAD", "/metrics");
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.0 200 OK\r\n")) << head;
  EXPECT_TRUE(absl::StrContains(head, "Content-Length: 4\r\n")) << head;
  EXPECT_TRUE(absl::EndsWith(head, "\r\n\r\n")) << head;
  const std::string post = Request(endpoint->port(), "POST", "/metrics");
  EXPECT_TRUE(absl::StartsWith(post, "HTTP/1.0 405 Method Not Allowed\r\n"))
      << post;
  EXPECT_TRUE(absl::StrContains(post, "Allow: GET, HEAD\r\n")) << post;
}

TEST(HttpEndpoint, RefusesAListenAddressWithoutAPort) {
  auto endpoint = HttpEndpoint::Start("127.0.0.1", [] { return ""; });
  EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(endpoint.status().message(),
                                "--metrics_listen: expected HOST:PORT"))
      << endpoint.status();
}

// The request's 2 s are for all of it: a byte now and then does not keep
// the connection open, and the next scrape is served.
TEST(HttpEndpoint, AClientThatTricklesItsRequestIsCutOffAtTheDeadline) {
  std::unique_ptr<HttpEndpoint> endpoint = Start();
  ASSERT_NE(endpoint, nullptr);
  const int slow = Connect(endpoint->port());
  const absl::Time start = absl::Now();
  {
    Trickler trickler(slow);
    bool closed = false;
    ReadUntilClosed(slow, absl::Seconds(8), &closed);
    EXPECT_TRUE(closed) << "still open after 8 s of trickling";
    EXPECT_LT(absl::Now() - start, absl::Seconds(6));
  }
  close(slow);
  EXPECT_TRUE(absl::StartsWith(Get(endpoint->port(), "/metrics"),
                               "HTTP/1.0 200 OK\r\n"));
}

// Connections that send nothing do not keep a scrape out: the endpoint
// serves several at once, and one more than it holds closes the oldest. (It
// served one at a time, 2 s each: 40 of them held a scrape for 80 s.)
TEST(HttpEndpoint, IdleConnectionsDoNotKeepAScrapeOut) {
  std::unique_ptr<HttpEndpoint> endpoint = Start();
  ASSERT_NE(endpoint, nullptr);
  std::vector<int> idle;
  for (int i = 0; i < 40; ++i) idle.push_back(Connect(endpoint->port()));
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (endpoint->accepted() < 40 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const int fd = Connect(endpoint->port());
  const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  bool closed = false;
  const std::string answer = ReadUntilClosed(fd, absl::Seconds(10), &closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.0 200 OK\r\n")) << answer;
  close(fd);
  for (int i : idle) close(i);
}

// Shutdown does not wait for a slow client's request.
TEST(HttpEndpoint, StopsWhileAClientTrickles) {
  std::unique_ptr<HttpEndpoint> endpoint = Start();
  ASSERT_NE(endpoint, nullptr);
  const int slow = Connect(endpoint->port());
  Trickler trickler(slow);
  // The endpoint is serving it.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (endpoint->accepted() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(endpoint->accepted(), 1);
  const absl::Time start = absl::Now();
  endpoint.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  close(slow);
}

}  // namespace
}  // namespace pulse::server
