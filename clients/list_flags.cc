#include "clients/list_flags.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace pulse {
namespace {

// The flag name of `arg` ("--post=a" → "post"), or nullopt for a non-flag.
std::optional<absl::string_view> FlagName(absl::string_view arg) {
  if (!absl::ConsumePrefix(&arg, "-")) return std::nullopt;
  absl::ConsumePrefix(&arg, "-");
  if (arg.empty()) return std::nullopt;
  return arg.substr(0, arg.find('='));
}

}  // namespace

std::vector<std::string> JoinRepeatedListFlags(
    const std::vector<std::string>& args,
    const std::vector<std::string>& names) {
  std::vector<std::string> out;
  // For each list flag seen: its position in `out` and its values.
  struct Seen {
    size_t position;
    std::vector<std::string> values;
  };
  absl::flat_hash_map<std::string, Seen> seen;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    std::optional<absl::string_view> name =
        i == 0 ? std::nullopt : FlagName(arg);
    if (!name.has_value() ||
        std::find(names.begin(), names.end(), *name) == names.end()) {
      out.push_back(arg);
      continue;
    }
    std::string value;
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    auto [it, inserted] = seen.try_emplace(std::string(*name));
    if (inserted) {
      it->second.position = out.size();
      out.emplace_back();
    }
    if (!value.empty()) it->second.values.push_back(std::move(value));
  }
  for (; i < args.size(); ++i) out.push_back(args[i]);
  for (const auto& [name, flag] : seen) {
    out[flag.position] =
        absl::StrCat("--", name, "=", absl::StrJoin(flag.values, ","));
  }
  return out;
}

}  // namespace pulse
