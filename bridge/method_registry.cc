#include "bridge/method_registry.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/type.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse::bridge {
namespace {

constexpr char kService[] = "pulse.v1.AnalyticsService";
constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

// The generated pool's types as protobuf's JSON converter asks for them.
// MessageToJsonString's resolver builds a google.protobuf.Type from the
// descriptor for every message type it meets, on every call; a copy of one
// built before is cheaper: a small update printed in ~26 us instead of ~35
// (pulse-microbench). Thread-safe, as the interface requires.
class CachingTypeResolver : public google::protobuf::util::TypeResolver {
 public:
  CachingTypeResolver()
      : pool_(google::protobuf::util::NewTypeResolverForDescriptorPool(
            kTypeUrlPrefix,
            google::protobuf::DescriptorPool::generated_pool())) {}

  google::protobuf::util::Status ResolveMessageType(
      const std::string& type_url, google::protobuf::Type* type) override {
    return Resolve(type_url, type,
                   [&] { return pool_->ResolveMessageType(type_url, type); });
  }
  google::protobuf::util::Status ResolveEnumType(
      const std::string& type_url, google::protobuf::Enum* type) override {
    return Resolve(type_url, type,
                   [&] { return pool_->ResolveEnumType(type_url, type); });
  }

 private:
  // `build` fills `out` from the pool. Failures are not kept: the urls come
  // from the pool's own descriptors, so a failure is a bug to report, not a
  // case to serve fast.
  template <typename Build>
  google::protobuf::util::Status Resolve(const std::string& type_url,
                                         google::protobuf::Message* out,
                                         Build build) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = built_.find(type_url); it != built_.end()) {
        out->CopyFrom(*it->second);
        return google::protobuf::util::Status();
      }
    }
    google::protobuf::util::Status status = build();
    if (!status.ok()) return status;
    std::unique_ptr<google::protobuf::Message> copy(out->New());
    copy->CopyFrom(*out);
    absl::WriterMutexLock lock(&mu_);
    built_.try_emplace(type_url, std::move(copy));
    return status;
  }

  const std::unique_ptr<google::protobuf::util::TypeResolver> pool_;
  absl::Mutex mu_;
  // Types and enums by url (their names differ).
  absl::flat_hash_map<std::string, std::unique_ptr<google::protobuf::Message>>
      built_ ABSL_GUARDED_BY(mu_);
};

google::protobuf::util::TypeResolver* Resolver() {
  static auto* const resolver = new CachingTypeResolver;
  return resolver;
}

}  // namespace

MethodRegistry::MethodRegistry() {
  // Referencing a generated type links analytics.pb.cc, which registers the
  // file in the generated pool.
  const google::protobuf::ServiceDescriptor* service =
      v1::Update::descriptor()->file()->FindServiceByName("AnalyticsService");
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = service->method(i);
    MethodInfo info{m, absl::StrCat("/", kService, "/", m->name()),
                    !m->client_streaming() && !m->server_streaming(),
                    !m->client_streaming() && m->server_streaming() &&
                        m->output_type() == v1::Update::descriptor()};
    by_name_[m->name()] = info;
  }
}

absl::StatusOr<const MethodInfo*> MethodRegistry::Find(
    absl::string_view name) const {
  absl::string_view short_name = name;
  absl::ConsumePrefix(&short_name, "/");
  if (absl::ConsumePrefix(&short_name, kService)) {
    if (!absl::ConsumePrefix(&short_name, "/") &&
        !absl::ConsumePrefix(&short_name, ".")) {
      short_name = name;  // e.g. "pulse.v1.AnalyticsServiceX": not ours
    }
  } else {
    short_name = name;
  }
  auto it = by_name_.find(short_name);
  if (it == by_name_.end()) {
    return absl::UnimplementedError(absl::StrCat(
        "unknown method \"", name.substr(0, 200), "\" of ", kService));
  }
  return &it->second;
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>>
MethodRegistry::ParseInput(const MethodInfo& method,
                           absl::string_view params_json) const {
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          method.descriptor->input_type());
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(params_json.data(), params_json.size()),
      message.get(), options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "params do not fit ", method.descriptor->input_type()->name(), ": ",
        std::string(status.message())));
  }
  return message;
}

std::unique_ptr<google::protobuf::Message> MethodRegistry::NewOutput(
    const MethodInfo& method) const {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method.descriptor->output_type())
          ->New());
}

absl::StatusOr<std::string> MethodRegistry::ToJson(
    const google::protobuf::Message& message) {
  // Protobuf's defaults: a field at its default value (0, "", false, an
  // empty list) is left out. Printing them too
  // (always_print_primitive_fields) tripled the CPU per update: protobuf
  // 3.21 then builds a tree of every field's default for each message.
  const google::protobuf::util::JsonPrintOptions options;
  std::string out;
  const auto status = google::protobuf::util::BinaryToJsonString(
      Resolver(),
      absl::StrCat(kTypeUrlPrefix, "/", message.GetDescriptor()->full_name()),
      message.SerializeAsString(), &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ",
                                            message.GetTypeName(), ": ",
                                            std::string(status.message())));
  }
  return out;
}

}  // namespace pulse::bridge
