// Serves the dashboard's files from a web root over plain HTTP: content types,
// cache headers, ETags, and path resolution that cannot leave the root
// (no "..", no encoded dots, no absolute paths, no symlinks pointing out).
// Knows nothing of websockets or gRPC.
#ifndef PULSE_BRIDGE_STATIC_FILES_H_
#define PULSE_BRIDGE_STATIC_FILES_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pulse::bridge {

// An HTTP response for a static file request.
struct StaticResponse {
  int status = 200;
  std::string content_type;
  std::string cache_control;
  std::string etag;
  std::string body;
};

// The file under `root` that the request target (path and optional query,
// percent-encoded) names; "/" and directories mean their index.html.
// INVALID_ARGUMENT for a target that tries to leave the root or is malformed,
// NOT_FOUND when no regular file is there. Reads the file system only.
absl::StatusOr<std::filesystem::path> ResolvePath(
    const std::filesystem::path& root, absl::string_view target);

// The Content-Type for a file name, by extension; application/octet-stream
// when unknown.
absl::string_view ContentType(const std::filesystem::path& file);

// Cache-Control for a file: HTML is revalidated each time (it names the
// other assets), other files may be cached for a while.
absl::string_view CacheControl(const std::filesystem::path& file);

// Serves files of one web root. Thread-safe (immutable); blocks on disk I/O,
// which is small (the dashboard) and bounded by kMaxFileBytes.
class StaticFiles {
 public:
  static constexpr uintmax_t kMaxFileBytes = 32 << 20;

  explicit StaticFiles(std::string root) : root_(std::move(root)) {}

  // The response to GET/HEAD `target`; `if_none_match` is the request's
  // If-None-Match header (a match answers 304 without a body).
  StaticResponse Serve(absl::string_view target,
                       absl::string_view if_none_match) const;

 private:
  const std::string root_;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_STATIC_FILES_H_
