#include "clients/cli_values.h"

#include <google/protobuf/descriptor.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pulse {
namespace {

namespace pb = ::google::protobuf;

// Looks `name` up among the values of `descriptor`, skipping value 0.
absl::StatusOr<int> ParseEnum(const pb::EnumDescriptor* descriptor,
                              absl::string_view what, absl::string_view name) {
  const pb::EnumValueDescriptor* value =
      descriptor->FindValueByName(absl::AsciiStrToUpper(name));
  if (value != nullptr && value->number() != 0) return value->number();
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() == 0) continue;
    names.push_back(absl::AsciiStrToLower(descriptor->value(i)->name()));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown ", what, " \"", name,
                                                 "\"; expected one of ",
                                                 absl::StrJoin(names, ", ")));
}

}  // namespace

absl::StatusOr<v1::Metric> ParseMetric(absl::string_view name) {
  absl::StatusOr<int> value =
      ParseEnum(v1::Metric_descriptor(), "metric", name);
  if (!value.ok()) return value.status();
  return static_cast<v1::Metric>(*value);
}

absl::StatusOr<v1::Resolution> ParseResolution(absl::string_view name) {
  absl::StatusOr<int> value =
      ParseEnum(v1::Resolution_descriptor(), "resolution", name);
  if (!value.ok()) return value.status();
  return static_cast<v1::Resolution>(*value);
}

std::string MetricName(v1::Metric metric) {
  if (metric == v1::METRIC_UNSPECIFIED) metric = v1::ENGAGEMENTS;
  return absl::AsciiStrToLower(v1::Metric_Name(metric));
}

std::string ResolutionName(v1::Resolution resolution) {
  if (resolution == v1::RESOLUTION_UNSPECIFIED) resolution = v1::MINUTE;
  return absl::AsciiStrToLower(v1::Resolution_Name(resolution));
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view flag,
                                        absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", text, " is not an RFC 3339 time (", error, ")"));
  }
  return time;
}

google::protobuf::Duration ToProtoDuration(absl::Duration duration) {
  google::protobuf::Duration proto;
  int64_t seconds = absl::IDivDuration(duration, absl::Seconds(1), &duration);
  proto.set_seconds(seconds);
  proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration)));
  return proto;
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  google::protobuf::Timestamp proto;
  int64_t seconds = absl::ToUnixSeconds(time);
  proto.set_seconds(seconds);
  proto.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return proto;
}

}  // namespace pulse
