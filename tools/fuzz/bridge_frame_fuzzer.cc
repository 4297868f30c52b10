// Any bytes as a websocket text frame, through what Connection::OnMessage
// does before any network call: DecodeRequest (the JSON-RPC envelope, the
// method lookup, params to the request message by protobuf's JSON parser)
// and the answer frames built from its result. Input that is not UTF-8 is
// skipped: websocketpp closes the socket (1007) before the bridge sees it.
// Properties: no crash, and every answer is valid UTF-8 (a browser closes a
// socket on anything else) and a JSON object, carrying an error object when
// it is an error.
#include <cstdint>
#include <string>
#include <websocketpp/utf8_validator.hpp>

#include "absl/status/status.h"
#include "bridge/json_rpc.h"
#include "bridge/method_registry.h"
#include "bridge/request_decoder.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/fuzz/fuzz_check.h"

namespace {

using google::protobuf::Value;
using pulse::bridge::DecodedRequest;

const pulse::bridge::MethodRegistry& Registry() {
  static const auto* registry = new pulse::bridge::MethodRegistry();
  return *registry;
}

// The frame parsed back as a client would; aborts unless it is an object.
Value ParseAnswer(const std::string& frame) {
  PULSE_FUZZ_CHECK(websocketpp::utf8_validator::validate(frame),
                   "an answer frame is valid UTF-8");
  Value value;
  const bool parsed =
      google::protobuf::util::JsonStringToMessage(frame, &value).ok();
  if (!parsed || value.kind_case() != Value::kStructValue) {
    std::fprintf(stderr, "answer: %s\n", frame.c_str());
  }
  PULSE_FUZZ_CHECK(parsed, "an answer frame is valid JSON");
  PULSE_FUZZ_CHECK(value.kind_case() == Value::kStructValue,
                   "an answer frame is a JSON object");
  return value;
}

void CheckErrorAnswer(const std::string& id_json, const absl::Status& status) {
  const std::string frame = pulse::bridge::ErrorFrame(id_json, status);
  const Value answer = ParseAnswer(frame);
  const auto& fields = answer.struct_value().fields();
  auto error = fields.find("error");
  if (error == fields.end() ||
      error->second.kind_case() != Value::kStructValue) {
    std::fprintf(stderr, "answer: %s\n", frame.c_str());
  }
  PULSE_FUZZ_CHECK(
      error != fields.end() && error->second.kind_case() == Value::kStructValue,
      "an error answer carries an error object");
  PULSE_FUZZ_CHECK(fields.count("id") == 1, "an error answer carries the id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string frame(reinterpret_cast<const char*>(data), size);
  if (!websocketpp::utf8_validator::validate(frame)) return 0;
  std::string id_json = "null";
  absl::StatusOr<DecodedRequest> request =
      pulse::bridge::DecodeRequest(Registry(), frame, &id_json);
  if (!request.ok()) {
    CheckErrorAnswer(id_json, request.status());
    return 0;
  }
  // The answers the connection may give to a request it understood.
  CheckErrorAnswer(request->id_json,
                   absl::ResourceExhaustedError("at most 32 calls in flight"));
  ParseAnswer(pulse::bridge::ResultFrame(request->id_json, "{}"));
  switch (request->kind) {
    case DecodedRequest::Kind::kUnsubscribe:
      ParseAnswer(pulse::bridge::ResultFrame(
          request->id_json,
          pulse::bridge::SubscriptionResult(request->subscription_json)));
      break;
    case DecodedRequest::Kind::kSubscribe:
      PULSE_FUZZ_CHECK(request->id_json != "null",
                       "a subscription is named by its request's id");
      ParseAnswer(pulse::bridge::SubscriptionResult(request->id_json));
      ParseAnswer(pulse::bridge::UpdateFrame(request->id_json, "{}"));
      [[fallthrough]];
    case DecodedRequest::Kind::kUnary: {
      PULSE_FUZZ_CHECK(request->method != nullptr && request->input != nullptr,
                       "a call has a method and an input");
      PULSE_FUZZ_CHECK(request->input->GetDescriptor() ==
                           request->method->descriptor->input_type(),
                       "the input is of the method's input type");
      // What the backend does with it: serialize it for gRPC.
      std::string wire;
      PULSE_FUZZ_CHECK(request->input->SerializeToString(&wire),
                       "the input serializes");
      break;
    }
  }
  return 0;
}
