// Raw loopback TCP for tests that must send exact bytes (HTTP targets that a
// client library would normalise) or must not read (a stalled browser), and
// one HTTPS GET.
#ifndef PULSE_BRIDGE_RAW_SOCKET_H_
#define PULSE_BRIDGE_RAW_SOCKET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace pulse::bridge::testing {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port; with `rcvbuf` > 0 the receive buffer is set
  // that small first (a slow reader fills up sooner).
  static absl::StatusOr<std::unique_ptr<RawSocket>> Connect(int port,
                                                            int rcvbuf = 0);
  ~RawSocket();

  bool SendAll(absl::string_view bytes);
  // Reads whatever arrives within `timeout`, until EOF or `max_bytes`.
  std::string Read(absl::Duration timeout, size_t max_bytes = 1 << 30);
  // Reads until `delimiter` has arrived (all bytes read are returned).
  std::string ReadUntil(absl::string_view delimiter, absl::Duration timeout);
  // True once the peer closed (reads and drops data until then).
  bool WaitEof(absl::Duration timeout);

 private:
  explicit RawSocket(int fd) : fd_(fd) {}
  int fd_;
};

struct HttpResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// Sends "GET <target> HTTP/1.1" byte for byte and reads the whole response.
absl::StatusOr<HttpResponse> HttpGet(
    int port, const std::string& target,
    const std::vector<std::string>& extra_headers = {});

// The same over TLS, trusting only the PEM certificates in `ca_file` and
// checking that the certificate is for 127.0.0.1. UNAVAILABLE (with the
// reason) if the TLS handshake fails.
absl::StatusOr<HttpResponse> HttpsGet(int port, const std::string& target,
                                      const std::string& ca_file);

// Opens /ws by hand and returns the socket after the 101 response.
absl::StatusOr<std::unique_ptr<RawSocket>> RawWebsocket(int port,
                                                        int rcvbuf = 0);
// A client (masked) text frame.
std::string MaskedTextFrame(absl::string_view payload);
// Splits server (unmasked) frames off the front of `buffer`; returns their
// payloads and leaves a partial frame in `buffer`.
std::vector<std::string> TakeFrames(std::string* buffer);

}  // namespace pulse::bridge::testing

#endif  // PULSE_BRIDGE_RAW_SOCKET_H_
