// What a websocket text frame asks for, decided without any network call: the
// JSON-RPC envelope parsed, the method looked up and its params converted to
// the request message. Connection acts on the result; tools/fuzz feeds it any
// text. Knows nothing of websockets, sockets or the backend.
#ifndef PULSE_BRIDGE_REQUEST_DECODER_H_
#define PULSE_BRIDGE_REQUEST_DECODER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bridge/method_registry.h"
#include "google/protobuf/message.h"

namespace pulse::bridge {

// One request frame, decoded.
struct DecodedRequest {
  enum class Kind {
    kUnary,        // a unary call of `method` with `input`
    kSubscribe,    // Subscribe with `input` (a v1::SubscribeRequest); its
                   // id (never null) names the subscription
    kUnsubscribe,  // Unsubscribe of `subscription_json`
  };
  Kind kind = Kind::kUnary;
  // The request's id as JSON, for the answer.
  std::string id_json = "null";
  // kUnary and kSubscribe: the method and its input message.
  const MethodInfo* method = nullptr;
  std::unique_ptr<google::protobuf::Message> input;
  // kUnsubscribe: the subscription to end, the id of its Subscribe as JSON.
  std::string subscription_json;
};

// The longest Subscribe id, as JSON: every update frame repeats it.
inline constexpr size_t kMaxSubscriptionIdBytes = 128;

// Decodes one text frame. On failure returns the status to answer with (the
// gRPC code the error frame carries) and sets *id_json (not null) to the
// request's id when it could be read, else leaves it. Client-streaming
// methods are UNIMPLEMENTED over the websocket. Never throws or crashes on
// any input; does not block.
absl::StatusOr<DecodedRequest> DecodeRequest(const MethodRegistry& methods,
                                             absl::string_view frame,
                                             std::string* id_json);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_REQUEST_DECODER_H_
