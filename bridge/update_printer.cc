#include "bridge/update_printer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "bridge/method_registry.h"

namespace pulse::bridge {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The singular message fields that many streams carry alike.
const std::vector<const FieldDescriptor*>& SharedParts() {
  static const auto* const parts = new std::vector<const FieldDescriptor*>{
      v1::Update::descriptor()->FindFieldByNumber(
          v1::Update::kGlobalFieldNumber),
      v1::Update::descriptor()->FindFieldByNumber(
          v1::Update::kTopPostsFieldNumber),
      v1::Update::descriptor()->FindFieldByNumber(
          v1::Update::kTrendingFieldNumber),
  };
  return *parts;
}

}  // namespace

UpdatePrinter::UpdatePrinter(size_t max_parts)
    : generation_size_(std::max<size_t>(1, max_parts / 2)) {}

absl::StatusOr<std::string> UpdatePrinter::Print(v1::Update* update) {
  const google::protobuf::Reflection* reflection = update->GetReflection();
  // Detached while the rest prints, put back however this returns.
  std::vector<std::pair<const FieldDescriptor*, Message*>> detached;
  absl::Cleanup restore = [&] {
    for (auto& [field, part] : detached)
      reflection->SetAllocatedMessage(update, part, field);
  };
  for (const FieldDescriptor* field : SharedParts()) {
    if (reflection->HasField(*update, field))
      detached.emplace_back(field, reflection->ReleaseMessage(update, field));
  }
  absl::StatusOr<std::string> json = MethodRegistry::ToJson(*update);
  if (!json.ok() || detached.empty()) return json;
  json->pop_back();  // the object's '}'
  for (const auto& [field, part] : detached) {
    absl::StatusOr<Printed> printed = PrintPart(field->number(), *part);
    if (!printed.ok()) return printed.status();
    absl::StrAppend(&*json, json->back() == '{' ? "\"" : ",\"",
                    field->json_name(), "\":", **printed);
  }
  json->push_back('}');
  return json;
}

absl::StatusOr<UpdatePrinter::Printed> UpdatePrinter::PrintPart(
    int field_number, const Message& part) {
  // The field first: two parts may serialize alike but print apart (a board
  // of one post and one of one hashtag, say).
  std::string key(1, static_cast<char>(field_number));
  part.AppendToString(&key);
  {
    absl::MutexLock lock(&mu_);
    if (auto it = current_.find(key); it != current_.end()) return it->second;
    if (auto it = previous_.find(key); it != previous_.end()) {
      Printed printed = it->second;  // still in use: into this generation
      current_.emplace(std::move(key), printed);
      return printed;
    }
  }
  absl::StatusOr<std::string> json = MethodRegistry::ToJson(part);
  if (!json.ok()) return json.status();
  parts_printed_.fetch_add(1, std::memory_order_relaxed);
  auto printed = std::make_shared<const std::string>(*std::move(json));
  absl::MutexLock lock(&mu_);
  if (current_.size() >= generation_size_) {
    previous_ = std::move(current_);
    current_.clear();
  }
  current_.insert_or_assign(std::move(key), printed);
  return printed;
}

size_t UpdatePrinter::parts_held() const {
  absl::MutexLock lock(&mu_);
  return current_.size() + previous_.size();
}

}  // namespace pulse::bridge
