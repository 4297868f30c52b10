#include "bridge/json_rpc.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace pulse::bridge {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Prints a well-known JSON message; these cannot fail for values built here
// or parsed from JSON, but a failure still yields valid JSON.
std::string Print(const google::protobuf::Message& message) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out).ok())
    return "null";
  return out;
}

absl::StatusOr<Value> ParseValue(absl::string_view json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: ", std::string(status.message())));
  }
  return value;
}

// Requests of this protocol nest a few levels; protobuf's JSON parser takes
// time quadratic in the depth, so deep input is refused before it parses.
constexpr int kMaxDepth = 32;

// The deepest nesting of arrays and objects, strings skipped. Not a parser:
// malformed input is left to protobuf's. Its strings are those protobuf's
// parser reads: in double quotes and, beyond JSON, in single quotes (were
// these not skipped as strings, a frame with '"' in it would have every
// bracket after it uncounted).
int NestingDepth(absl::string_view json) {
  int depth = 0;
  int deepest = 0;
  char quote = 0;  // the open string's quote, or 0
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Numbers are parsed as doubles: from 2^53 on, a number id would come back
// changed (9007199254740993 as 9007199254740992), and the client could not
// match the answer to its request.
bool IsExact(const Value& value) {
  constexpr double kMaxExact = 9007199254740991.0;  // 2^53 - 1
  return value.kind_case() != Value::kNumberValue ||
         std::fabs(value.number_value()) <= kMaxExact;
}

absl::Status InexactNumberError(absl::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat(
      name,
      ": a number must be within +-(2^53 - 1) to come through unchanged; "
      "send a larger one as a string"));
}

absl::Status CheckExactNumber(const Value& value, absl::string_view name) {
  return IsExact(value) ? absl::OkStatus() : InexactNumberError(name);
}

// Whether a number in `value` lies beyond +-(2^53 - 1); if one does, *path
// names it below `value` (".engagements[3].count"). The path is built on the
// way back from the number found, so a request without one costs no string.
bool FindInexactNumber(const Value& value, std::string* path) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      return !IsExact(value);
    case Value::kStructValue:
      for (const auto& [key, field] : value.struct_value().fields()) {
        if (FindInexactNumber(field, path)) {
          path->insert(0, absl::StrCat(".", key));
          return true;
        }
      }
      return false;
    case Value::kListValue:
      for (int i = 0; i < value.list_value().values_size(); ++i) {
        if (FindInexactNumber(value.list_value().values(i), path)) {
          path->insert(0, absl::StrCat("[", i, "]"));
          return true;
        }
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<RpcRequest> ParseRequest(absl::string_view frame,
                                        std::string* id_json) {
  if (NestingDepth(frame) > kMaxDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON: nested deeper than ", kMaxDepth, " levels"));
  }
  absl::StatusOr<Value> parsed = ParseValue(frame);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError("a request must be a JSON object");
  }
  const auto& fields = parsed->struct_value().fields();
  RpcRequest request;
  // The id first, so that every later error can answer it.
  if (auto it = fields.find("id"); it != fields.end()) {
    const Value& id = it->second;
    if (id.kind_case() != Value::kNumberValue &&
        id.kind_case() != Value::kStringValue &&
        id.kind_case() != Value::kNullValue) {
      return absl::InvalidArgumentError(
          "\"id\" must be a number, a string or null");
    }
    if (absl::Status exact = CheckExactNumber(id, "id"); !exact.ok())
      return exact;
    request.id_json = Print(id);
    if (id_json != nullptr) *id_json = request.id_json;
  }
  for (const auto& [key, value] : fields) {
    if (key != "jsonrpc" && key != "id" && key != "method" && key != "params") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown member \"", key,
                       "\"; a request has jsonrpc, id, "
                       "method and params"));
    }
  }
  if (auto it = fields.find("jsonrpc"); it != fields.end()) {
    if (it->second.kind_case() != Value::kStringValue ||
        it->second.string_value() != "2.0") {
      return absl::InvalidArgumentError("\"jsonrpc\" must be \"2.0\"");
    }
  }
  auto method = fields.find("method");
  if (method == fields.end())
    return absl::InvalidArgumentError("missing \"method\"");
  if (method->second.kind_case() != Value::kStringValue) {
    return absl::InvalidArgumentError("\"method\" must be a string");
  }
  request.method = method->second.string_value();
  if (auto it = fields.find("params"); it != fields.end()) {
    if (it->second.kind_case() == Value::kStructValue) {
      // An int64 such as a batch's sequence would reach the server changed
      // (9007199254740993 as ...992), and a distinct batch be taken for a
      // duplicate: such numbers must come as strings, as protobuf's JSON
      // mapping prints int64 itself.
      if (std::string path; FindInexactNumber(it->second, &path)) {
        return InexactNumberError(absl::StrCat("params", path));
      }
      request.params_json = Print(it->second.struct_value());
    } else if (it->second.kind_case() != Value::kNullValue) {
      return absl::InvalidArgumentError("\"params\" must be an object");
    }
  }
  return request;
}

std::string ResultFrame(absl::string_view id_json,
                        absl::string_view result_json) {
  return absl::StrCat(R"({"jsonrpc":"2.0","id":)", id_json, R"(,"result":)",
                      result_json, "}");
}

std::string ErrorObject(const absl::Status& status) {
  const std::string code_name = absl::StatusCodeToString(status.code());
  Struct error;
  auto& fields = *error.mutable_fields();
  fields["code"].set_number_value(static_cast<int>(status.code()));
  fields["message"].set_string_value(
      absl::StrCat(code_name, ": ", status.message()));
  (*fields["data"].mutable_struct_value()->mutable_fields())["grpcCode"]
      .set_string_value(code_name);
  return Print(error);
}

std::string ErrorFrame(absl::string_view id_json, const absl::Status& status) {
  return absl::StrCat(R"({"jsonrpc":"2.0","id":)", id_json, R"(,"error":)",
                      ErrorObject(status), "}");
}

std::string SubscriptionResult(absl::string_view subscription_json) {
  return absl::StrCat(R"({"subscription":)", subscription_json, "}");
}

std::string UpdateFrame(absl::string_view subscription_json,
                        absl::string_view update_json) {
  return absl::StrCat(
      R"({"jsonrpc":"2.0","method":"update","params":{"subscription":)",
      subscription_json, R"(,"update":)", update_json, "}}");
}

std::string SubscriptionEndedFrame(absl::string_view subscription_json,
                                   const absl::Status& status) {
  std::string frame = absl::StrCat(
      R"({"jsonrpc":"2.0","method":"subscriptionEnded","params":{"subscription":)",
      subscription_json);
  if (!status.ok())
    absl::StrAppend(&frame, R"(,"error":)", ErrorObject(status));
  absl::StrAppend(&frame, "}}");
  return frame;
}

absl::StatusOr<std::string> ReadIdParam(absl::string_view params_json,
                                        absl::string_view name) {
  absl::StatusOr<Value> parsed = ParseValue(params_json);
  if (!parsed.ok()) return parsed.status();
  const auto& fields = parsed->struct_value().fields();
  auto it = fields.find(std::string(name));
  if (it == fields.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("params: missing \"", name, "\""));
  }
  if (it->second.kind_case() != Value::kNumberValue &&
      it->second.kind_case() != Value::kStringValue) {
    return absl::InvalidArgumentError(absl::StrCat(
        "params.", name,
        ": must be a number or a string (the id of the Subscribe request)"));
  }
  if (absl::Status exact =
          CheckExactNumber(it->second, absl::StrCat("params.", name));
      !exact.ok())
    return exact;
  return Print(it->second);
}

}  // namespace pulse::bridge
