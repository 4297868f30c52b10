// A minimal HTTP/1.0 endpoint for GET /metrics: one thread polling up to 32
// connections, one request per connection, bounded request size and time.
// Not a general web server.
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
  struct Connection;

  HttpEndpoint() = default;
  void Run();
  // Reads what `c` sent, or sends it what it can take; false once it is done
  // with (answered, closed, or too large a request).
  bool Step(Connection& c);

  int listen_fd_ = -1;
  int port_ = 0;
  std::function<std::string()> render_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> accepted_{0};
  std::thread thread_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_HTTP_ENDPOINT_H_
