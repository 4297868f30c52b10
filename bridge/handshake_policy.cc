#include "bridge/handshake_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pulse::bridge {
namespace {

constexpr size_t kMaxTokenBytes = 4096;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True for a Host that names the bridge by address, which DNS cannot rebind:
// an IPv4 address, a bracketed IPv6 one or localhost, each with an optional
// port.
bool HostIsAnAddress(absl::string_view host) {
  if (absl::StartsWith(host, "[")) return true;  // [v6]:port
  absl::string_view name = host.substr(0, host.rfind(':'));
  if (absl::EqualsIgnoreCase(name, "localhost")) return true;
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isdigit(c) && c != '.') return false;
  }
  return true;
}

}  // namespace

bool OriginAllowed(absl::string_view origin, absl::string_view host,
                   const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  for (const std::string& entry : allowed) {
    if (entry == "*" || absl::EqualsIgnoreCase(entry, origin)) return true;
  }
  if (!allowed.empty()) return false;
  absl::string_view authority = origin;
  if (!absl::ConsumePrefix(&authority, "http://") &&
      !absl::ConsumePrefix(&authority, "https://")) {
    return false;  // "null" (sandboxed or file: pages) and odd schemes
  }
  // A page on a name the attacker's DNS points at the bridge (rebinding)
  // has that name as both its Origin and its Host: a name must be listed.
  return HostIsAnAddress(host) && absl::EqualsIgnoreCase(authority, host);
}

absl::StatusOr<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    const int hi = i + 1 < in.size() ? HexDigit(in[i + 1]) : -1;
    const int lo = i + 2 < in.size() ? HexDigit(in[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      return absl::InvalidArgumentError("malformed percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

absl::StatusOr<HandshakeAuth> ReadHandshakeAuth(
    const std::vector<std::string>& subprotocols, absl::string_view query) {
  HandshakeAuth auth;
  for (const std::string& p : subprotocols) {
    if (p == kSubprotocol) auth.subprotocol = p;
    absl::string_view rest = p;
    if (auth.token.empty() && absl::ConsumePrefix(&rest, kBearerPrefix)) {
      auth.token = std::string(rest);
    }
  }
  // Never a bearer subprotocol: the answer would carry the token back, in
  // a response header proxies log.
  for (const std::string& p : subprotocols) {
    if (!auth.subprotocol.empty()) break;
    if (!absl::StartsWith(p, kBearerPrefix)) auth.subprotocol = p;
  }
  if (auth.token.empty()) {
    for (absl::string_view pair : absl::StrSplit(query, '&')) {
      absl::string_view value = pair;
      if (absl::ConsumePrefix(&value, "access_token=")) {
        absl::StatusOr<std::string> decoded = PercentDecode(value);
        if (!decoded.ok())
          return absl::InvalidArgumentError("access_token: malformed escape");
        auth.token = *std::move(decoded);
        break;
      }
    }
  }
  if (auth.token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError("the auth token is over 4 KiB");
  }
  for (char c : auth.token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          "the auth token must be printable ASCII");
    }
  }
  return auth;
}

}  // namespace pulse::bridge
