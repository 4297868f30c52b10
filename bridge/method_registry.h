// Finds AnalyticsService's methods by name in the generated descriptor pool and
// converts their messages to and from protobuf's JSON mapping, so the bridge
// has no code per RPC. Knows nothing of websockets or of how calls are made.
#ifndef PULSE_BRIDGE_METHOD_REGISTRY_H_
#define PULSE_BRIDGE_METHOD_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace pulse::bridge {

// One method of the service.
struct MethodInfo {
  const google::protobuf::MethodDescriptor* descriptor;
  // "/pulse.v1.AnalyticsService/GetPostStats": the HTTP/2 path gRPC calls.
  std::string path;
  bool unary;
  // The method is Subscribe (server streaming of Update).
  bool subscribe;
};

// The methods of pulse.v1.AnalyticsService. Immutable after construction, so
// thread-safe.
class MethodRegistry {
 public:
  MethodRegistry();

  // The method named `name`: its short name ("GetPostStats") or full name
  // ("pulse.v1.AnalyticsService/GetPostStats", a leading '/' or a '.' before
  // the method also accepted). UNIMPLEMENTED when there is none.
  absl::StatusOr<const MethodInfo*> Find(absl::string_view name) const;

  // A new message of the method's input type filled from `params_json` by
  // protobuf's JSON parser (unknown fields rejected). INVALID_ARGUMENT naming
  // the problem when the JSON does not fit the type.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseInput(
      const MethodInfo& method, absl::string_view params_json) const;

  // An empty message of the method's output type.
  std::unique_ptr<google::protobuf::Message> NewOutput(
      const MethodInfo& method) const;

  // Prints any message with the bridge's JSON options, protobuf's defaults:
  // lowerCamelCase names, int64 as strings, fields at their default value
  // (0, "", false, an empty list) left out.
  static absl::StatusOr<std::string> ToJson(
      const google::protobuf::Message& message);

 private:
  absl::flat_hash_map<std::string, MethodInfo> by_name_;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_METHOD_REGISTRY_H_
