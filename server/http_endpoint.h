// A minimal HTTP/1.0 endpoint for GET /metrics: one thread, one request per
// connection, bounded request size and time. Not a general web server.
#ifndef PULSE_SERVER_HTTP_ENDPOINT_H_
#define PULSE_SERVER_HTTP_ENDPOINT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace pulse::server {

// Serves `render()` as text/plain at GET /metrics (404 elsewhere).
class HttpEndpoint {
 public:
  // Listens on `listen` ("host:port", IPv4 or "localhost"; port 0 picks one).
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      const std::string& listen, std::function<std::string()> render);
  // Stops the thread and closes the socket.
  ~HttpEndpoint();

  int port() const { return port_; }
  // Connections accepted so far.
  int64_t accepted() const { return accepted_.load(); }

 private:
  HttpEndpoint() = default;
  void Run();
  void Serve(int fd);
  // Polls `fd` for `events` until then; false at the deadline, on an error
  // or once stopping.
  bool Wait(int fd, short events,
            std::chrono::steady_clock::time_point deadline) const;
  void WriteAll(int fd, const std::string& data,
                std::chrono::steady_clock::time_point deadline) const;

  int listen_fd_ = -1;
  int port_ = 0;
  std::function<std::string()> render_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> accepted_{0};
  std::thread thread_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_HTTP_ENDPOINT_H_
