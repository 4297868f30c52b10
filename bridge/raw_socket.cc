#include "bridge/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace pulse::bridge::testing {

absl::StatusOr<std::unique_ptr<RawSocket>> RawSocket::Connect(int port,
                                                              int rcvbuf) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket()");
  if (rcvbuf > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError("connect()");
  }
  return std::unique_ptr<RawSocket>(new RawSocket(fd));
}

RawSocket::~RawSocket() { close(fd_); }

bool RawSocket::SendAll(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawSocket::Read(absl::Duration timeout, size_t max_bytes) {
  std::string out;
  const absl::Time deadline = absl::Now() + timeout;
  char buf[65536];
  while (out.size() < max_bytes) {
    const int wait_ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait_ms <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) break;
    const ssize_t n =
        recv(fd_, buf, std::min(sizeof(buf), max_bytes - out.size()), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string RawSocket::ReadUntil(absl::string_view delimiter,
                                 absl::Duration timeout) {
  std::string out;
  const absl::Time deadline = absl::Now() + timeout;
  char c;
  while (out.find(delimiter.data(), 0, delimiter.size()) == std::string::npos) {
    const int wait_ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait_ms <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) break;
    if (recv(fd_, &c, 1, 0) != 1) break;
    out.push_back(c);
  }
  return out;
}

bool RawSocket::WaitEof(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buf[65536];
  while (true) {
    const int wait_ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait_ms <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) return false;
    if (recv(fd_, buf, sizeof(buf), 0) <= 0) return true;
  }
}

namespace {

absl::StatusOr<HttpResponse> ParseHttpResponse(const std::string& raw) {
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos || raw.size() < 12) {
    return absl::DataLossError(absl::StrCat("no HTTP response: '", raw, "'"));
  }
  HttpResponse response;
  response.head = raw.substr(0, end);
  response.body = raw.substr(end + 4);
  if (!absl::SimpleAtoi(raw.substr(9, 3), &response.status)) {
    return absl::DataLossError("bad status line");
  }
  return response;
}

}  // namespace

absl::StatusOr<HttpResponse> HttpGet(
    int port, const std::string& target,
    const std::vector<std::string>& extra_headers) {
  absl::StatusOr<std::unique_ptr<RawSocket>> socket = RawSocket::Connect(port);
  if (!socket.ok()) return socket.status();
  std::string request = absl::StrCat(
      "GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1:", port, "\r\n");
  for (const std::string& h : extra_headers)
    absl::StrAppend(&request, h, "\r\n");
  absl::StrAppend(&request, "Connection: close\r\n\r\n");
  if (!(*socket)->SendAll(request)) return absl::UnavailableError("send");
  return ParseHttpResponse((*socket)->Read(absl::Seconds(10)));
}

absl::StatusOr<HttpResponse> HttpsGet(int port, const std::string& target,
                                      const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  using boost::asio::ip::tcp;
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.load_verify_file(ca_file, ec);
  if (ec) return absl::InternalError(absl::StrCat(ca_file, ": ", ec.message()));
  ssl::stream<tcp::socket> stream(io, ctx);
  stream.set_verify_mode(ssl::verify_peer, ec);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"), ec);
  stream.lowest_layer().connect(
      tcp::endpoint(boost::asio::ip::address_v4::loopback(),
                    static_cast<uint16_t>(port)),
      ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
  // Blocking calls below: a bridge that stops answering fails them instead
  // of hanging the test.
  const timeval limit{10, 0};
  const int fd = stream.lowest_layer().native_handle();
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("TLS handshake: ", ec.message()));
  }
  const std::string request =
      absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1:", port,
                   "\r\nConnection: close\r\n\r\n");
  boost::asio::write(stream, boost::asio::buffer(request), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("send: ", ec.message()));
  std::string raw;
  char buf[4096];
  while (!ec) {
    const size_t n = stream.read_some(boost::asio::buffer(buf), ec);
    raw.append(buf, n);
  }
  return ParseHttpResponse(raw);
}

absl::StatusOr<std::unique_ptr<RawSocket>> RawWebsocket(int port, int rcvbuf) {
  absl::StatusOr<std::unique_ptr<RawSocket>> socket =
      RawSocket::Connect(port, rcvbuf);
  if (!socket.ok()) return socket.status();
  const std::string request = absl::StrCat(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:", port,
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
      "13\r\n\r\n");
  if (!(*socket)->SendAll(request)) return absl::UnavailableError("send");
  const std::string head = (*socket)->ReadUntil("\r\n\r\n", absl::Seconds(10));
  if (head.rfind("HTTP/1.1 101", 0) != 0) {
    return absl::UnavailableError(absl::StrCat("handshake refused: ", head));
  }
  return socket;
}

std::string MaskedTextFrame(absl::string_view payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  const size_t n = payload.size();
  if (n < 126) {
    frame.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(n >> 8));
    frame.push_back(static_cast<char>(n & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i)
      frame.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  frame.append(mask, 4);
  for (size_t i = 0; i < n; ++i)
    frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return frame;
}

std::vector<std::string> TakeFrames(std::string* buffer) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    if (buffer->size() - pos < 2) break;
    const auto* b =
        reinterpret_cast<const unsigned char*>(buffer->data() + pos);
    uint64_t len = b[1] & 0x7f;
    size_t header = 2;
    if (len == 126) {
      if (buffer->size() - pos < 4) break;
      len = (uint64_t{b[2]} << 8) | b[3];
      header = 4;
    } else if (len == 127) {
      if (buffer->size() - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
      header = 10;
    }
    if (buffer->size() - pos < header + len) break;
    if ((b[0] & 0x0f) == 0x1) out.push_back(buffer->substr(pos + header, len));
    pos += header + len;
  }
  buffer->erase(0, pos);
  return out;
}

}  // namespace pulse::bridge::testing
