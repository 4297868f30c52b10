// Conversions between command-line values and the contract's types: enum
// names in lower case, absl::Duration/absl::Time and their proto forms.
#ifndef PULSE_CLIENTS_CLI_VALUES_H_
#define PULSE_CLIENTS_CLI_VALUES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse {

// "likes" (any case) → LIKES; the *_UNSPECIFIED name and unknown names fail
// with INVALID_ARGUMENT listing the accepted names.
absl::StatusOr<v1::Metric> ParseMetric(absl::string_view name);

// "minute" (any case) → MINUTE; as ParseMetric otherwise.
absl::StatusOr<v1::Resolution> ParseResolution(absl::string_view name);

// LIKES → "likes"; METRIC_UNSPECIFIED → "engagements" (its meaning).
std::string MetricName(v1::Metric metric);

// MINUTE → "minute"; RESOLUTION_UNSPECIFIED → "minute" (its meaning).
std::string ResolutionName(v1::Resolution resolution);

// Parses an RFC 3339 time ("2024-05-01T12:00:00Z", offsets and fractions
// allowed); fails with INVALID_ARGUMENT naming `flag`.
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view flag,
                                        absl::string_view text);

// The proto form of a finite duration.
google::protobuf::Duration ToProtoDuration(absl::Duration duration);

// The proto form of a time.
google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);

}  // namespace pulse

#endif  // PULSE_CLIENTS_CLI_VALUES_H_
