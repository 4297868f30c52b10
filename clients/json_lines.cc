#include "clients/json_lines.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace pulse {
namespace {

namespace pb = ::google::protobuf;

// The names of the wrapper keys, which are also the wrapper's field names.
constexpr absl::string_view kWrappedPost = "post";
constexpr absl::string_view kWrappedEngagement = "engagement";
constexpr absl::string_view kWrappedFollow = "follow";

absl::Status LineError(int64_t line_number, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line_number, ": ", message));
}

// Parses `json` into `message` with protobuf's JSON parser; unknown fields
// are errors. Returns protobuf's message, empty on success.
std::string JsonParse(absl::string_view json, pb::Message* message) {
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  pb::util::Status status = pb::util::JsonStringToMessage(
      pb::StringPiece(json.data(), json.size()), message, options);
  return status.ok() ? std::string() : std::string(status.message());
}

// Parses `json` into `message`; the error names the line and the type.
absl::Status ParseInto(absl::string_view json, pb::Message* message,
                       int64_t line_number) {
  std::string error = JsonParse(json, message);
  if (error.empty()) return absl::OkStatus();
  return LineError(line_number,
                   absl::StrCat("cannot parse as ",
                                message->GetDescriptor()->name(), ": ", error));
}

// The descriptor pool holding pulse.client.JsonLineWrapper, a message with
// one field per wrapper key, so that protobuf's JSON parser reads wrapped
// lines directly (no JSON is re-written, no int64 precision is lost).
const pb::DescriptorPool& WrapperPool() {
  static const pb::DescriptorPool* pool = [] {
    // Loads analytics.proto into the generated pool before it is imported.
    const pb::FileDescriptor* contract = v1::Post::descriptor()->file();
    pb::FileDescriptorProto file;
    file.set_name("pulse/client/json_line_wrapper.proto");
    file.set_package("pulse.client");
    file.set_syntax("proto3");
    file.add_dependency(contract->name());
    pb::DescriptorProto* message = file.add_message_type();
    message->set_name("JsonLineWrapper");
    struct WrappedField {
      absl::string_view name;
      const pb::Descriptor* type;
    };
    const WrappedField fields[] = {
        {kWrappedPost, v1::Post::descriptor()},
        {kWrappedEngagement, v1::Engagement::descriptor()},
        {kWrappedFollow, v1::FollowChange::descriptor()},
    };
    int number = 1;
    for (const WrappedField& wrapped : fields) {
      pb::FieldDescriptorProto* field = message->add_field();
      field->set_name(std::string(wrapped.name));
      field->set_json_name(std::string(wrapped.name));
      field->set_number(number++);
      field->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
      field->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
      field->set_type_name(absl::StrCat(".", wrapped.type->full_name()));
    }
    auto* built = new pb::DescriptorPool(pb::DescriptorPool::generated_pool());
    built->BuildFile(file);
    return built;
  }();
  return *pool;
}

// Parses a wrapped line: exactly one of post, engagement, follow.
absl::StatusOr<v1::IngestRequest> ParseWrapped(absl::string_view line,
                                               int64_t line_number) {
  static const pb::Descriptor* descriptor =
      WrapperPool().FindMessageTypeByName("pulse.client.JsonLineWrapper");
  static pb::DynamicMessageFactory* factory = new pb::DynamicMessageFactory();
  std::unique_ptr<pb::Message> wrapper(
      factory->GetPrototype(descriptor)->New());
  absl::Status parsed = ParseInto(line, wrapper.get(), line_number);
  if (!parsed.ok()) return parsed;

  std::vector<const pb::FieldDescriptor*> set_fields;
  wrapper->GetReflection()->ListFields(*wrapper, &set_fields);
  if (set_fields.size() != 1) {
    return LineError(line_number,
                     "a wrapped line holds exactly one of \"post\", "
                     "\"engagement\" or \"follow\"");
  }
  const pb::FieldDescriptor* field = set_fields[0];
  std::string bytes =
      wrapper->GetReflection()->GetMessage(*wrapper, field).SerializeAsString();
  v1::IngestRequest request;
  bool ok = false;
  if (field->name() == kWrappedPost) {
    ok = request.add_posts()->ParseFromString(bytes);
  } else if (field->name() == kWrappedEngagement) {
    ok = request.add_engagements()->ParseFromString(bytes);
  } else {
    ok = request.add_follows()->ParseFromString(bytes);
  }
  if (!ok) return LineError(line_number, "cannot decode the wrapped item");
  return request;
}

// True when `object` has the JSON name or the proto name of a field.
bool Has(const pb::Struct& object, absl::string_view json_name,
         absl::string_view proto_name) {
  return object.fields().contains(std::string(json_name)) ||
         object.fields().contains(std::string(proto_name));
}

}  // namespace

absl::StatusOr<v1::IngestRequest> ParseJsonLine(absl::string_view line,
                                                int64_t line_number) {
  // A file saved with a UTF-8 byte-order mark (some editors on Windows)
  // starts with one: invisible, and not JSON.
  if (line_number == 1) absl::ConsumePrefix(&line, "\xEF\xBB\xBF");
  if (absl::StripAsciiWhitespace(line).empty()) return v1::IngestRequest();

  // Reads the keys first; Struct accepts any JSON object.
  pb::Struct object;
  std::string error = JsonParse(line, &object);
  if (!error.empty()) {
    return LineError(line_number, absl::StrCat("not a JSON object: ", error));
  }

  v1::IngestRequest request;
  absl::Status parsed;
  if (Has(object, "posts", "posts") ||
      Has(object, "engagements", "engagements") ||
      Has(object, "follows", "follows") ||
      Has(object, "producerId", "producer_id") ||
      Has(object, "sequence", "sequence")) {
    parsed = ParseInto(line, &request, line_number);
  } else if (Has(object, kWrappedPost, kWrappedPost) ||
             Has(object, kWrappedEngagement, kWrappedEngagement) ||
             Has(object, kWrappedFollow, kWrappedFollow)) {
    return ParseWrapped(line, line_number);
  } else if (Has(object, "kind", "kind")) {
    parsed = ParseInto(line, request.add_engagements(), line_number);
  } else if (Has(object, "delta", "delta")) {
    parsed = ParseInto(line, request.add_follows(), line_number);
  } else if (Has(object, "postId", "post_id") &&
             Has(object, "accountId", "account_id")) {
    parsed = ParseInto(line, request.add_posts(), line_number);
  } else {
    return LineError(
        line_number,
        "cannot tell what this line is: expected an IngestRequest (posts, "
        "engagements, follows, producerId, sequence), an Engagement (kind), "
        "a FollowChange (delta), a Post (postId and accountId) or a wrapper "
        "{\"post\"|\"engagement\"|\"follow\": {...}}");
  }
  if (!parsed.ok()) return parsed;
  return request;
}

}  // namespace pulse
