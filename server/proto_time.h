// Conversions between protobuf's Timestamp/Duration and absl::Time/Duration.
#ifndef PULSE_SERVER_PROTO_TIME_H_
#define PULSE_SERVER_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace pulse::server {

// The Timestamp of `t`; `t` must be finite.
inline google::protobuf::Timestamp ToProto(absl::Time t) {
  const int64_t nanos = absl::ToUnixNanos(t);
  google::protobuf::Timestamp ts;
  ts.set_seconds(nanos / 1'000'000'000 - (nanos % 1'000'000'000 < 0 ? 1 : 0));
  ts.set_nanos(static_cast<int32_t>(nanos - ts.seconds() * 1'000'000'000));
  return ts;
}

// The Duration of `d`; `d` must be finite.
inline google::protobuf::Duration ToProto(absl::Duration d) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  google::protobuf::Duration out;
  out.set_seconds(nanos / 1'000'000'000);
  out.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
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
