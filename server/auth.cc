#include "server/auth.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace pulse::server {
namespace {

// Shorter tokens are refused at load: guessable.
constexpr size_t kMinTokenLength = 16;

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  if (name == "ingest") return Role::kIngest;
  if (name == "read") return Role::kRead;
  if (name == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role '", name, "' (ingest, read or admin)"));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_tokens: cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kIngest:
      return "ingest";
    case Role::kRead:
      return "read";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

RateLimiter::RateLimiter(double rate)
    : rate_(rate), level_(rate), last_(absl::Now()) {}

absl::Duration RateLimiter::Take(int64_t items, absl::Time now) {
  if (rate_ <= 0) return absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  if (now > last_) {
    level_ =
        std::min(rate_, level_ + absl::ToDoubleSeconds(now - last_) * rate_);
    last_ = now;
  }
  if (level_ < 0) return absl::Seconds(-level_ / rate_);
  level_ -= static_cast<double>(items);
  return absl::ZeroDuration();
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Walks all of `a` whatever `b` holds; `b` is read cyclically so that a
  // shorter `b` does not end the loop early.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  if (b.empty()) return a.empty();
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i % b.size()]);
  }
  return diff == 0;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(
    absl::string_view text, absl::string_view source) {
  std::vector<TokenEntry> entries;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": ", what));
    };
    if (fields.size() < 2) return error("expected TOKEN ROLE [ACCOUNTS]");
    if (fields.size() > 3) {
      return error("too many fields (accounts are one comma-separated field)");
    }
    TokenEntry entry;
    entry.line = line_number;
    entry.token = std::string(fields[0]);
    if (entry.token.size() < kMinTokenLength) {
      return error(
          absl::StrCat("token shorter than ", kMinTokenLength, " characters"));
    }
    absl::StatusOr<Role> role = ParseRole(fields[1]);
    if (!role.ok()) return error(role.status().message());
    entry.role = *role;
    if (fields.size() == 3) {
      if (entry.role == Role::kAdmin) {
        return error("an admin token cannot be limited to accounts");
      }
      for (absl::string_view account : absl::StrSplit(fields[2], ',')) {
        if (account.empty()) return error("empty account id in the list");
        entry.accounts.emplace_back(account);
      }
    }
    for (const TokenEntry& other : entries) {
      if (other.token == entry.token) {
        return error(absl::StrCat("token repeats line ", other.line));
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Authenticator::Authenticator(const AuthLimits& limits)
    : Authenticator(std::string(), limits) {}

Authenticator::Authenticator(const std::string& path, const AuthLimits& limits)
    : path_(path), limits_(limits) {
  auto anonymous = std::make_shared<Principal>();
  anonymous->role = Role::kAdmin;
  anonymous->name = "anonymous (auth off)";
  anonymous_ = std::move(anonymous);
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromFile(
    const std::string& path, const AuthLimits& limits) {
  std::unique_ptr<Authenticator> auth(new Authenticator(path, limits));
  if (absl::Status s = auth->Reload(); !s.ok()) return s;
  return auth;
}

absl::Status RevokedError(absl::string_view method) {
  return absl::UnauthenticatedError(
      absl::StrCat(method,
                   ": the token was removed or its role or accounts changed "
                   "(the token file was reloaded); call again"));
}

absl::Status Authenticator::Reload() {
  if (path_.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadFile(path_);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokenFile(*text, path_);
  if (!entries.ok()) return entries.status();
  // A file caught while it is being written in place is empty or ends in
  // the middle of a line; a line cut before its accounts would even widen
  // a token to every account.
  constexpr absl::string_view kWriteWhole =
      "(a file still being written?): write the new file whole, then rename "
      "it into place";
  if (entries->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": no tokens ", kWriteWhole));
  }
  if (text->back() != '\n') {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": the last line does not end with a newline ", kWriteWhole));
  }

  absl::MutexLock lock(&mu_);
  std::vector<Loaded> loaded;
  loaded.reserve(entries->size());
  for (TokenEntry& entry : *entries) {
    auto principal = std::make_shared<Principal>();
    principal->role = entry.role;
    principal->name = absl::StrCat("token at ", path_, ":", entry.line);
    principal->accounts.insert(entry.accounts.begin(), entry.accounts.end());
    for (const Loaded& old : tokens_) {
      if (old.token == entry.token && old.principal->role == principal->role &&
          old.principal->accounts == principal->accounts) {
        principal->state = old.principal->state;
      }
    }
    if (principal->state == nullptr) {
      principal->state =
          std::make_shared<TokenState>(limits_.ingest_rate_per_token);
    }
    loaded.push_back(Loaded{std::move(entry.token), std::move(principal)});
  }
  // Open streams hold the principal they started with: those of a token
  // removed or changed end (UNAUTHENTICATED) rather than go on unchecked.
  for (const Loaded& old : tokens_) {
    const bool kept =
        std::any_of(loaded.begin(), loaded.end(), [&](const Loaded& now) {
          return now.principal->state == old.principal->state;
        });
    if (!kept) old.principal->state->revoked = true;
  }
  tokens_ = std::move(loaded);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Principal>> Authenticator::Authorize(
    const grpc::ServerContextBase& ctx, Role needed,
    absl::string_view method) const {
  if (!enabled()) return anonymous_;
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        absl::StrCat(method,
                     ": no credentials; send 'authorization: Bearer TOKEN' "
                     "metadata"));
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ")) {
    return absl::UnauthenticatedError(absl::StrCat(
        method, ": the authorization metadata must be 'Bearer TOKEN'"));
  }
  return AuthorizeToken(value, needed, method);
}

absl::StatusOr<std::shared_ptr<const Principal>> Authenticator::AuthorizeToken(
    absl::string_view token, Role needed, absl::string_view method) const {
  if (!enabled()) return anonymous_;
  std::shared_ptr<const Principal> found;
  {
    absl::MutexLock lock(&mu_);
    // Every entry is compared, found or not: the time says nothing about
    // which token matched or how much of one.
    for (const Loaded& entry : tokens_) {
      if (ConstantTimeEquals(token, entry.token)) found = entry.principal;
    }
  }
  if (found == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat(method, ": unknown token"));
  }
  if (found->role != Role::kAdmin && found->role != needed) {
    return absl::PermissionDeniedError(absl::StrCat(
        method, ": a '", RoleName(found->role),
        "' token may not call it (needs '", RoleName(needed), "')"));
  }
  return found;
}

}  // namespace pulse::server
