#include "bridge/request_decoder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "bridge/json_rpc.h"

namespace pulse::bridge {

absl::StatusOr<DecodedRequest> DecodeRequest(const MethodRegistry& methods,
                                             absl::string_view frame,
                                             std::string* id_json) {
  absl::StatusOr<RpcRequest> request = ParseRequest(frame, id_json);
  if (!request.ok()) return request.status();
  DecodedRequest out;
  out.id_json = request->id_json;
  if (request->method == "Unsubscribe") {
    absl::StatusOr<std::string> id =
        ReadIdParam(request->params_json, "subscription");
    if (!id.ok()) return id.status();
    out.kind = DecodedRequest::Kind::kUnsubscribe;
    out.subscription_json = std::move(*id);
    return out;
  }
  absl::StatusOr<const MethodInfo*> method = methods.Find(request->method);
  if (!method.ok()) return method.status();
  if (!(*method)->unary && !(*method)->subscribe) {
    return absl::UnimplementedError(absl::StrCat(
        (*method)->descriptor->name(),
        " streams from the client and is not offered over the websocket; "
        "send batches with Ingest"));
  }
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> input =
      methods.ParseInput(**method, request->params_json);
  if (!input.ok()) return input.status();
  if ((*method)->subscribe && out.id_json == "null") {
    return absl::InvalidArgumentError(
        "Subscribe needs an \"id\" (a number or a string): its updates and "
        "Unsubscribe name the subscription by it");
  }
  if ((*method)->subscribe && out.id_json.size() > kMaxSubscriptionIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("Subscribe's \"id\" is ", out.id_json.size(),
                     " bytes as JSON; at most ", kMaxSubscriptionIdBytes,
                     ", as every update repeats it"));
  }
  out.kind = (*method)->subscribe ? DecodedRequest::Kind::kSubscribe
                                  : DecodedRequest::Kind::kUnary;
  out.method = *method;
  out.input = std::move(*input);
  return out;
}

}  // namespace pulse::bridge
