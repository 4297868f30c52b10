#include "server/host_port.h"

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace pulse::server {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       absl::string_view flag) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": expected HOST:PORT (such as 127.0.0.1:50051), got '", address,
        "': ", why));
  };
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return invalid("no port");
  absl::string_view host = address.substr(0, colon);
  const absl::string_view port_text = address.substr(colon + 1);
  if (absl::StartsWith(host, "[") != absl::EndsWith(host, "]")) {
    return invalid("unbalanced brackets");
  }
  if (absl::ConsumePrefix(&host, "[")) {
    absl::ConsumeSuffix(&host, "]");
  } else if (absl::StrContains(host, ':')) {
    return invalid("an IPv6 host goes in brackets, as [::1]:50051");
  }
  if (host.empty()) return invalid("no host");
  HostPort out;
  if (port_text.empty() || !absl::c_all_of(port_text, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port_text, &out.port) || out.port > 65535) {
    return invalid("the port must be a number from 0 to 65535");
  }
  out.host = std::string(host);
  return out;
}

}  // namespace pulse::server
