#include "tools/bench/metrics_scrape.h"

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pulse::bench {

absl::StatusOr<std::string> HttpGetBody(int port, const std::string& path,
                                        absl::Duration timeout) {
  boost::asio::ip::tcp::iostream stream;
  stream.expires_after(absl::ToChronoMilliseconds(timeout));
  stream.connect("127.0.0.1", std::to_string(port));
  if (!stream) {
    return absl::UnavailableError(absl::StrCat("GET 127.0.0.1:", port, path,
                                               ": ", stream.error().message()));
  }
  stream << "GET " << path << " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
         << std::flush;
  const std::string response((std::istreambuf_iterator<char>(stream)),
                             std::istreambuf_iterator<char>());
  if (stream.error() && stream.error() != boost::asio::error::eof) {
    return absl::UnavailableError(absl::StrCat("GET 127.0.0.1:", port, path,
                                               ": ", stream.error().message()));
  }
  const size_t body = response.find("\r\n\r\n");
  const absl::string_view status_line =
      absl::string_view(response).substr(0, response.find("\r\n"));
  if (body == std::string::npos || !absl::StrContains(status_line, " 200 ")) {
    return absl::InternalError(absl::StrCat("GET 127.0.0.1:", port, path,
                                            ": answered '", status_line, "'"));
  }
  return response.substr(body + 4);
}

absl::StatusOr<double> MetricValue(absl::string_view exposition,
                                   absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, " ")) {
      continue;
    }
    // "<name> <value>[ <timestamp>]"
    line = absl::StripAsciiWhitespace(line);
    line = line.substr(0, line.find(' '));
    double value = 0;
    if (!absl::SimpleAtod(line, &value)) {
      return absl::InternalError(
          absl::StrCat("metric ", name, ": not a number: '", line, "'"));
    }
    return value;
  }
  return absl::NotFoundError(absl::StrCat("no metric ", name));
}

absl::StatusOr<std::vector<double>> ReadMetrics(
    int port, absl::Span<const char* const> names, absl::Duration timeout) {
  absl::StatusOr<std::string> page = HttpGetBody(port, "/metrics", timeout);
  if (!page.ok()) return page.status();
  std::vector<double> values;
  values.reserve(names.size());
  for (const char* name : names) {
    absl::StatusOr<double> value = MetricValue(*page, name);
    if (!value.ok()) return value.status();
    values.push_back(*value);
  }
  return values;
}

absl::StatusOr<std::vector<double>> ReadServerMetrics(
    const ChildProcess& server, absl::Span<const char* const> names,
    absl::Duration timeout) {
  if (server.second_port() == 0) {
    return absl::FailedPreconditionError(
        "pulse-server wrote no metrics port to its port file "
        "(--metrics_listen)");
  }
  return ReadMetrics(server.second_port(), names, timeout);
}

}  // namespace pulse::bench
