// The JSON-RPC 2.0 shaped frames of the bridge's websocket protocol: parsing a
// request frame and building result, error and notification frames. All JSON
// goes through protobuf's JSON mapping (google.protobuf.Value for the
// envelope); nothing here knows the RPCs or websockets.
#ifndef PULSE_BRIDGE_JSON_RPC_H_
#define PULSE_BRIDGE_JSON_RPC_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pulse::bridge {

// One request frame, its parts kept as JSON text.
struct RpcRequest {
  // The request's id as JSON ("1", "\"a\"", "null" when absent).
  std::string id_json = "null";
  // The method name as sent.
  std::string method;
  // The params object as JSON ("{}" when absent).
  std::string params_json = "{}";
};

// Parses one text frame. On failure returns INVALID_ARGUMENT naming what is
// wrong and sets *id_json (when not null) to the request's id if it could be
// read, so that the error can answer it. Never throws or crashes on any input.
absl::StatusOr<RpcRequest> ParseRequest(absl::string_view frame,
                                        std::string* id_json);

// {"jsonrpc":"2.0","id":<id_json>,"result":<result_json>}.
std::string ResultFrame(absl::string_view id_json,
                        absl::string_view result_json);

// {"jsonrpc":"2.0","id":<id_json>,"error":<ErrorObject(status)>}; status must
// not be OK.
std::string ErrorFrame(absl::string_view id_json, const absl::Status& status);

// {"code":<gRPC code number>,"message":"CODE:
// message","data":{"grpcCode":"CODE"}}.
std::string ErrorObject(const absl::Status& status);

// A subscription is named by the id of the Subscribe request that opened it
// (`subscription_json`, that id as JSON: a number or a string).

// {"subscription":<subscription_json>}: Subscribe's and Unsubscribe's result.
std::string SubscriptionResult(absl::string_view subscription_json);

// {"jsonrpc":"2.0","method":"update","params":{"subscription":<subscription_json>,
// "update":<update_json>}}.
std::string UpdateFrame(absl::string_view subscription_json,
                        absl::string_view update_json);

// {"jsonrpc":"2.0","method":"subscriptionEnded","params":{"subscription":
// <subscription_json>,"error":<ErrorObject(status)>}}; with an OK status
// "error" is left out.
std::string SubscriptionEndedFrame(absl::string_view subscription_json,
                                   const absl::Status& status);

// Reads member `name` of a params object given as JSON, a number or a
// string, and returns it as JSON printed the way ParseRequest prints ids, so
// that it compares equal to the id it names.
absl::StatusOr<std::string> ReadIdParam(absl::string_view params_json,
                                        absl::string_view name);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_JSON_RPC_H_
