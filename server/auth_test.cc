#include "server/auth.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace pulse::server {
namespace {

constexpr char kIngest[] = "ingest-token-0123456789";
constexpr char kRead[] = "read-token-0123456789ab";
constexpr char kScoped[] = "scoped-read-0123456789";
constexpr char kAdmin[] = "admin-token-0123456789";

std::string TokenFile() {
  return absl::StrCat("# comment line\n", kIngest, " ingest\n", kRead,
                      " read   # trailing comment\n\n", kScoped,
                      " read a1,a2\n", kAdmin, "\tadmin\n");
}

TEST(ParseTokenFileTest, ReadsRolesAccountsAndComments) {
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokenFile(TokenFile(), "tokens");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].role, Role::kIngest);
  EXPECT_EQ((*entries)[0].line, 2);
  EXPECT_EQ((*entries)[1].role, Role::kRead);
  EXPECT_EQ((*entries)[2].accounts, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ((*entries)[3].role, Role::kAdmin);
  EXPECT_EQ((*entries)[3].token, kAdmin);
}

TEST(ParseTokenFileTest, NamesTheLineOfEachMistakeAndNeverTheToken) {
  const std::string secret = "sekrit-sekrit-sekrit";
  for (const auto& [text, expected] :
       std::vector<std::pair<std::string, std::string>>{
           {secret, "tokens:1: expected TOKEN ROLE"},
           {"\n" + secret + " reader", "tokens:2: unknown role 'reader'"},
           {"short admin", "tokens:1: token shorter than 16"},
           {secret + " admin a1", "tokens:1: an admin token cannot be limited"},
           {secret + " read a1,,a2", "tokens:1: empty account id"},
           {secret + " read a1 a2", "tokens:1: too many fields"},
           {secret + " read\n" + secret + " admin",
            "tokens:2: token repeats line 1"},
       }) {
    absl::StatusOr<std::vector<TokenEntry>> entries =
        ParseTokenFile(text, "tokens");
    ASSERT_FALSE(entries.ok()) << text;
    EXPECT_EQ(entries.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(entries.status().message(), expected))
        << entries.status();
    EXPECT_FALSE(absl::StrContains(entries.status().message(), secret));
  }
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abcdef", "abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("abcdef", "abcdeg"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("abcabc", "abc"));  // cyclic read: no match
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
}

TEST(RateLimiterTest, AllowsABurstThenAsksToWaitForTheDebt) {
  RateLimiter limiter(100);  // 100 a second, bursts of 100
  const absl::Time t0 = absl::Now();
  EXPECT_EQ(limiter.Take(60, t0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Take(90, t0), absl::ZeroDuration());  // overdraws to -50
  // 50 items of debt at 100/s: half a second.
  EXPECT_NEAR(absl::ToDoubleMilliseconds(limiter.Take(1, t0)), 500, 0.01);
  EXPECT_NEAR(
      absl::ToDoubleMilliseconds(limiter.Take(1, t0 + absl::Milliseconds(400))),
      100, 0.01);
  EXPECT_EQ(limiter.Take(10, t0 + absl::Milliseconds(500)),
            absl::ZeroDuration());
  // Refills, but never beyond one second's worth.
  const absl::Time later = t0 + absl::Seconds(60);
  EXPECT_EQ(limiter.Take(100, later), absl::ZeroDuration());
  EXPECT_EQ(limiter.Take(1, later), absl::ZeroDuration());  // 0 is no debt
  EXPECT_GT(limiter.Take(1, later), absl::ZeroDuration());
}

TEST(RateLimiterTest, ZeroRateMeansNoLimit) {
  RateLimiter limiter(0);
  EXPECT_EQ(limiter.Take(1'000'000'000, absl::Now()), absl::ZeroDuration());
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(
        ::testing::TempDir(), "/tokens-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Write(TokenFile());
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }

  std::string path_;
};

TEST_F(AuthenticatorTest, ChecksTokensAndRoles) {
  auto auth = Authenticator::FromFile(path_, AuthLimits{});
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE((*auth)->enabled());

  auto unknown = (*auth)->AuthorizeToken("nope-nope-nope-nope", Role::kRead,
                                         "GetPostStats");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown.status().message(), "GetPostStats: unknown token");

  auto ingest = (*auth)->AuthorizeToken(kIngest, Role::kRead, "GetPostStats");
  EXPECT_EQ(ingest.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(ingest.status().message(), "'ingest' token"))
      << ingest.status();
  EXPECT_TRUE((*auth)->AuthorizeToken(kIngest, Role::kIngest, "Ingest").ok());

  auto read = (*auth)->AuthorizeToken(kRead, Role::kRead, "TopPosts");
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE((*read)->scoped());
  EXPECT_EQ(
      (*auth)->AuthorizeToken(kRead, Role::kAdmin, "Compact").status().code(),
      absl::StatusCode::kPermissionDenied);

  auto scoped = (*auth)->AuthorizeToken(kScoped, Role::kRead, "TopPosts");
  ASSERT_TRUE(scoped.ok());
  EXPECT_TRUE((*scoped)->Allows("a2"));
  EXPECT_FALSE((*scoped)->Allows("a3"));
  EXPECT_EQ((*scoped)->name, absl::StrCat("token at ", path_, ":5"));

  for (Role role : {Role::kIngest, Role::kRead, Role::kAdmin}) {
    EXPECT_TRUE((*auth)->AuthorizeToken(kAdmin, role, "X").ok());
  }
}

TEST_F(AuthenticatorTest, ReloadSwapsTokensKeepsStateAndSurvivesABadFile) {
  AuthLimits limits;
  limits.ingest_rate_per_token = 10;
  auto auth = Authenticator::FromFile(path_, limits);
  ASSERT_TRUE(auth.ok()) << auth.status();
  auto before = (*auth)->AuthorizeToken(kIngest, Role::kIngest, "Ingest");
  ASSERT_TRUE(before.ok());
  (*before)->state->subscriptions = 3;

  Write(absl::StrCat(kIngest, " ingest\nnew-token-0123456789 read\n"));
  ASSERT_TRUE((*auth)->Reload().ok());
  auto after = (*auth)->AuthorizeToken(kIngest, Role::kIngest, "Ingest");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->state, (*before)->state);  // the same counters
  EXPECT_EQ((*after)->state->subscriptions, 3);
  EXPECT_TRUE(
      (*auth)->AuthorizeToken("new-token-0123456789", Role::kRead, "X").ok());
  EXPECT_EQ((*auth)->AuthorizeToken(kAdmin, Role::kRead, "X").status().code(),
            absl::StatusCode::kUnauthenticated);

  Write("broken-line-without-role-0000\n");
  absl::Status bad = (*auth)->Reload();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      (*auth)->AuthorizeToken("new-token-0123456789", Role::kRead, "X").ok());
}

// A file caught while an editor or a shell rewrites it in place: cut
// before the accounts of its last line, that line would read as a token
// for every account; emptied first, as `>` does, it would revoke them all.
TEST_F(AuthenticatorTest, AReloadRefusesAFileThatLooksHalfWritten) {
  auto auth = Authenticator::FromFile(path_, AuthLimits{});
  ASSERT_TRUE(auth.ok()) << auth.status();
  for (const auto& [text, expected] :
       std::vector<std::pair<std::string, std::string>>{
           {absl::StrCat(kIngest, " ingest\n", kScoped, " read"),
            "the last line does not end with a newline"},
           {"", "no tokens"},
           {"# nothing yet\n", "no tokens"}}) {
    Write(text);
    const absl::Status refused = (*auth)->Reload();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(absl::StrContains(refused.message(), expected)) << refused;
    EXPECT_TRUE(absl::StrContains(refused.message(), "rename it into place"))
        << refused;
    // The old tokens stay, the scoped one with its accounts.
    auto scoped = (*auth)->AuthorizeToken(kScoped, Role::kRead, "X");
    ASSERT_TRUE(scoped.ok()) << scoped.status();
    EXPECT_FALSE((*scoped)->Allows("a3"));
    EXPECT_TRUE((*auth)->AuthorizeToken(kAdmin, Role::kAdmin, "X").ok());
  }
}

TEST(AuthenticatorOffTest, EveryoneIsAnAnonymousAdminWithoutLimits) {
  Authenticator auth(AuthLimits{});
  EXPECT_FALSE(auth.enabled());
  auto who = auth.AuthorizeToken("", Role::kAdmin, "Compact");
  ASSERT_TRUE(who.ok());
  EXPECT_FALSE((*who)->scoped());
  EXPECT_EQ((*who)->state, nullptr);
}

TEST(AuthenticatorFileTest, AMissingFileIsAnError) {
  auto auth = Authenticator::FromFile("/nonexistent/tokens", AuthLimits{});
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(auth.status().message(), "/nonexistent/tokens"));
}

}  // namespace
}  // namespace pulse::server
