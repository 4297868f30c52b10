// The checks a websocket handshake passes before it is accepted: the Origin
// allow-list and the auth token (from Sec-WebSocket-Protocol or the
// access_token query parameter). Pure functions: no sockets, no state.
#ifndef PULSE_BRIDGE_HANDSHAKE_POLICY_H_
#define PULSE_BRIDGE_HANDSHAKE_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pulse::bridge {

// The subprotocol a client names to speak this protocol, and the prefix of
// the subprotocol that carries a token ("bearer.<token>").
inline constexpr char kSubprotocol[] = "pulse.v1";
inline constexpr char kBearerPrefix[] = "bearer.";

// True when a handshake with this Origin header may proceed: no Origin (not a
// browser), an exact (case-insensitive) entry of `allowed`, "*" in `allowed`,
// or, with `allowed` empty, an origin whose host[:port] is the request's Host
// when that Host is an IP address or localhost (a name could be rebound to
// the bridge by the DNS of the page's own site).
bool OriginAllowed(absl::string_view origin, absl::string_view host,
                   const std::vector<std::string>& allowed);

// What the handshake carries for authentication.
struct HandshakeAuth {
  // The bearer token; empty when none was given.
  std::string token;
  // The subprotocol to answer with; empty when the client offered none.
  std::string subprotocol;
};

// Takes the token from a "bearer.<token>" subprotocol, else from the
// `access_token` query parameter (percent-decoded); chooses "pulse.v1" as the
// answered subprotocol when offered, else the first offered one that is not
// a "bearer." one, which would echo the token (a browser fails the handshake
// if none of its offers is answered: it must offer "pulse.v1" with a token).
// INVALID_ARGUMENT for a token that is not printable ASCII or is over 4 KiB.
absl::StatusOr<HandshakeAuth> ReadHandshakeAuth(
    const std::vector<std::string>& subprotocols, absl::string_view query);

// Decodes %XX escapes (and nothing else, not even '+'); INVALID_ARGUMENT for
// a malformed escape.
absl::StatusOr<std::string> PercentDecode(absl::string_view in);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_HANDSHAKE_POLICY_H_
