// Conversions between protobuf's Timestamp/Duration and absl::Time/Duration.
#ifndef PULSE_SERVER_PROTO_TIME_H_
#define PULSE_SERVER_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace pulse::server {

// The Timestamp of `t`; `t` must be finite. In seconds and the nanoseconds
// after them: nanoseconds since 1970 in an int64 end in 2262, a Timestamp
// in 9999.
inline google::protobuf::Timestamp ToProto(absl::Time t) {
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds down
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return ts;
}

// The Duration of `d`; `d` must be finite. Seconds and nanos share the sign,
// as Duration requires.
inline google::protobuf::Duration ToProto(absl::Duration d) {
  absl::Duration rest;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &rest);
  google::protobuf::Duration out;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rest)));
  return out;
}

// The absl::Time of `ts` (fields are not range-checked here; validate first).
inline absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// The absl::Duration of `d`.
inline absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace pulse::server

#endif  // PULSE_SERVER_PROTO_TIME_H_
