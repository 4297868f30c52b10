// Bearer-token authentication and authorization for pulse-server.
//
// A token file (--auth_tokens) holds one token a line:
//
//   TOKEN ROLE [ACCOUNT_ID,ACCOUNT_ID,...]   # comment
//
// ROLE is `ingest` (Ingest, IngestStream), `read` (every query and
// Subscribe) or `admin` (everything, AdminService included). The optional
// account list limits an ingest or read token to those accounts. Clients send
// `authorization: Bearer TOKEN` metadata. Tokens are compared in constant
// time and never logged; a token is named in logs by its file line.
#ifndef PULSE_SERVER_AUTH_H_
#define PULSE_SERVER_AUTH_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace pulse::server {

enum class Role { kIngest, kRead, kAdmin };

absl::string_view RoleName(Role role);

// A token bucket: `rate` items a second, bursts of up to one second's worth.
// A call may overdraw it (a batch larger than the burst still goes through
// once the bucket is not in debt); the debt delays the next ones. Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(double rate);
  // Takes `items`, or returns how long to wait before the bucket is out of
  // debt again (nothing taken).
  absl::Duration Take(int64_t items, absl::Time now);

 private:
  const double rate_;
  absl::Mutex mu_;
  double level_ ABSL_GUARDED_BY(mu_);
  absl::Time last_ ABSL_GUARDED_BY(mu_);
};

// State that follows a token across reloads of the token file.
struct TokenState {
  explicit TokenState(double ingest_rate) : ingest(ingest_rate) {}
  RateLimiter ingest;
  std::atomic<int> subscriptions{0};
  // Set by a reload that removed the token or changed its role or accounts:
  // streams opened with it end at their next update or batch.
  std::atomic<bool> revoked{false};
};

// Who is calling and what it may do.
struct Principal {
  Role role = Role::kAdmin;
  // "token at FILE:LINE" or "anonymous (auth off)"; safe to log.
  std::string name;
  // Empty: every account. Otherwise only these.
  absl::flat_hash_set<std::string> accounts;
  // Null when auth is off: no per-token limits then.
  std::shared_ptr<TokenState> state;

  bool scoped() const { return !accounts.empty(); }
  bool revoked() const { return state != nullptr && state->revoked.load(); }
  bool Allows(absl::string_view account_id) const {
    return accounts.empty() || accounts.contains(account_id);
  }
};

// UNAUTHENTICATED for a stream of `method` whose token was revoked.
absl::Status RevokedError(absl::string_view method);

// One parsed line of a token file.
struct TokenEntry {
  std::string token;
  Role role = Role::kRead;
  std::vector<std::string> accounts;
  int line = 0;
};

// Parses a token file's text; `source` names it in errors. INVALID_ARGUMENT
// naming the line for: a missing or unknown role, a token shorter than 16
// characters, a repeated token, an empty account id, accounts on an admin
// token, extra fields. Error messages never contain a token.
absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(
    absl::string_view text, absl::string_view source);

// Compares in time that depends on the lengths only, never on where the
// first difference is.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// Per-token limits.
struct AuthLimits {
  // Ingested posts + engagements + follows a second per token (0: no limit).
  double ingest_rate_per_token = 0;
  // Open Subscribe streams per token (0: no limit).
  int max_subscriptions_per_token = 0;
};

// Checks calls against the token file. With auth off every call is an
// anonymous admin. Thread-safe.
class Authenticator {
 public:
  // Auth off.
  explicit Authenticator(const AuthLimits& limits);
  // Auth on, from the file at `path`.
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromFile(
      const std::string& path, const AuthLimits& limits);

  bool enabled() const { return !path_.empty(); }
  const AuthLimits& limits() const { return limits_; }

  // Re-reads the token file; on error keeps the tokens it had. Tokens that
  // stay with the same role and accounts keep their rate and subscription
  // counts; the others are revoked (TokenState::revoked), and a changed one
  // starts afresh.
  absl::Status Reload();

  // The caller of `ctx` if its token may act as `needed` (admin may do all):
  // UNAUTHENTICATED without a known token, PERMISSION_DENIED for a role that
  // does not allow `method`.
  absl::StatusOr<std::shared_ptr<const Principal>> Authorize(
      const grpc::ServerContextBase& ctx, Role needed,
      absl::string_view method) const;

  // The same for a token already extracted (tests, non-gRPC callers).
  absl::StatusOr<std::shared_ptr<const Principal>> AuthorizeToken(
      absl::string_view token, Role needed, absl::string_view method) const;

 private:
  struct Loaded {
    std::string token;
    std::shared_ptr<const Principal> principal;
  };

  Authenticator(const std::string& path, const AuthLimits& limits);

  const std::string path_;
  const AuthLimits limits_;
  std::shared_ptr<const Principal> anonymous_;
  mutable absl::Mutex mu_;
  std::vector<Loaded> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_AUTH_H_
