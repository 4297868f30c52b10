// Parsing of `pulse ingest` input: one JSON object per line, each in the
// protobuf JSON mapping (lowerCamelCase or proto field names; int64 as a
// string or a number; enums by name). A line is one of:
//   - a whole IngestRequest: it has posts, engagements, follows, producerId
//     or sequence;
//   - a wrapped item: {"post": {...}}, {"engagement": {...}} or
//     {"follow": {...}}, exactly one key;
//   - a bare Engagement: it has kind;
//   - a bare FollowChange: it has delta;
//   - a bare Post: it has postId and accountId (and no kind).
// The checks run in that order. Blank lines contribute nothing.
#ifndef PULSE_CLIENTS_JSON_LINES_H_
#define PULSE_CLIENTS_JSON_LINES_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// Parses one line into the IngestRequest it contributes (a single item sits
// alone in its repeated field). Fails with INVALID_ARGUMENT naming
// `line_number` and, for malformed JSON or unknown fields, protobuf's parse
// message. Line 1 may start with a UTF-8 byte-order mark.
absl::StatusOr<v1::IngestRequest> ParseJsonLine(absl::string_view line,
                                                int64_t line_number);

}  // namespace pulse

#endif  // PULSE_CLIENTS_JSON_LINES_H_
