#include "bridge/static_files.h"

#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bridge/handshake_policy.h"

namespace pulse::bridge {
namespace fs = std::filesystem;

absl::StatusOr<fs::path> ResolvePath(const fs::path& root,
                                     absl::string_view target) {
  const absl::string_view path = target.substr(0, target.find_first_of("?#"));
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError("the request path must start with '/'");
  }
  absl::StatusOr<std::string> decoded = PercentDecode(path);
  if (!decoded.ok()) return decoded.status();
  if (decoded->find('\0') != std::string::npos ||
      decoded->find('\\') != std::string::npos) {
    return absl::InvalidArgumentError(
        "the request path holds a NUL or a backslash");
  }
  // Joined one plain segment at a time, so an empty segment ("//etc") cannot
  // restart the path at "/" and ".." is refused rather than normalised.
  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) return absl::NotFoundError("no web root");
  fs::path file = canonical_root;
  for (absl::string_view segment : absl::StrSplit(*decoded, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..")
      return absl::InvalidArgumentError("'..' in the request path");
    file /= std::string(segment);
  }
  if (fs::is_directory(file, ec)) file /= "index.html";
  const fs::path resolved = fs::canonical(file, ec);
  if (ec) return absl::NotFoundError("no such file");
  // A symlink inside the root must not lead out of it.
  auto [root_end, unused] =
      std::mismatch(canonical_root.begin(), canonical_root.end(),
                    resolved.begin(), resolved.end());
  if (root_end != canonical_root.end()) {
    return absl::InvalidArgumentError("the path leads out of the web root");
  }
  if (!fs::is_regular_file(resolved, ec))
    return absl::NotFoundError("not a regular file");
  return resolved;
}

absl::string_view ContentType(const fs::path& file) {
  const std::string ext = absl::AsciiStrToLower(file.extension().string());
  static const auto* const kTypes =
      new std::vector<std::pair<std::string, std::string>>{
          {".html", "text/html; charset=utf-8"},
          {".htm", "text/html; charset=utf-8"},
          {".js", "text/javascript; charset=utf-8"},
          {".mjs", "text/javascript; charset=utf-8"},
          {".css", "text/css; charset=utf-8"},
          {".json", "application/json"},
          {".map", "application/json"},
          {".svg", "image/svg+xml"},
          {".png", "image/png"},
          {".jpg", "image/jpeg"},
          {".jpeg", "image/jpeg"},
          {".gif", "image/gif"},
          {".webp", "image/webp"},
          {".ico", "image/x-icon"},
          {".woff", "font/woff"},
          {".woff2", "font/woff2"},
          {".wasm", "application/wasm"},
          {".txt", "text/plain; charset=utf-8"},
      };
  for (const auto& [e, type] : *kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

absl::string_view CacheControl(const fs::path& file) {
  const std::string ext = absl::AsciiStrToLower(file.extension().string());
  if (ext == ".html" || ext == ".htm") return "no-cache";
  return "public, max-age=300";
}

StaticResponse StaticFiles::Serve(absl::string_view target,
                                  absl::string_view if_none_match) const {
  StaticResponse response;
  response.content_type = "text/plain; charset=utf-8";
  response.cache_control = "no-store";
  absl::StatusOr<fs::path> file = ResolvePath(root_, target);
  if (!file.ok()) {
    const bool bad = absl::IsInvalidArgument(file.status());
    response.status = bad ? 400 : 404;
    response.body = bad ? "bad request\n" : "not found\n";
    return response;
  }
  std::error_code ec;
  const uintmax_t size = fs::file_size(*file, ec);
  const auto mtime = fs::last_write_time(*file, ec);
  if (ec || size > kMaxFileBytes) {
    response.status = 500;
    response.body = "cannot serve this file\n";
    return response;
  }
  response.etag = absl::StrCat(
      "\"", size, "-", static_cast<int64_t>(mtime.time_since_epoch().count()),
      "\"");
  response.content_type = std::string(ContentType(*file));
  response.cache_control = std::string(CacheControl(*file));
  if (!if_none_match.empty() && if_none_match == response.etag) {
    response.status = 304;
    return response;
  }
  std::ifstream in(*file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in) {
    response.status = 500;
    response.body = "cannot read this file\n";
    return response;
  }
  response.body = body.str();
  return response;
}

}  // namespace pulse::bridge
