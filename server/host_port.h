// Listen and server addresses given on the command line: HOST:PORT.
// Library pulse_log, shared by pulse-server, pulse-bridge and the tools.
#ifndef PULSE_SERVER_HOST_PORT_H_
#define PULSE_SERVER_HOST_PORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pulse::server {

struct HostPort {
  std::string host;  // a name or an address; an IPv6 one without brackets
  int port = 0;      // 0 to 65535; 0 asks for any free port
};

// Parses HOST:PORT: a name, an IPv4 address or a bracketed IPv6 address
// ("[::1]:50051"), then a port from 0 to 65535. INVALID_ARGUMENT names
// `flag` and the value otherwise: gRPC would take a missing port for 443
// and wrap one above 65535.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       absl::string_view flag);

}  // namespace pulse::server

#endif  // PULSE_SERVER_HOST_PORT_H_
