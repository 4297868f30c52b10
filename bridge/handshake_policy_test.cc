#include "bridge/handshake_policy.h"

#include "gtest/gtest.h"

namespace pulse::bridge {
namespace {

TEST(HandshakePolicy, ByDefaultOnlyTheBridgesOwnAddressIsAllowed) {
  EXPECT_TRUE(OriginAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", {}));
  EXPECT_TRUE(OriginAllowed("http://localhost:8080", "LocalHost:8080", {}));
  EXPECT_TRUE(OriginAllowed("http://[::1]:8080", "[::1]:8080", {}));
  EXPECT_TRUE(OriginAllowed("https://10.0.0.7", "10.0.0.7", {}));
  EXPECT_FALSE(OriginAllowed("http://evil.example", "127.0.0.1:8080", {}));
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1:9999", "127.0.0.1:8080", {}));
  EXPECT_FALSE(OriginAllowed("null", "127.0.0.1:8080", {}));
}

// DNS rebinding: a page of evil.example whose name now resolves to the
// bridge sends its own name as both Origin and Host. By default a name is
// never taken for the bridge's own; it must be in --allowed_origins.
TEST(HandshakePolicy, ByDefaultAHostNameIsNotTakenForTheBridgesOwn) {
  EXPECT_FALSE(
      OriginAllowed("http://evil.example:8080", "evil.example:8080", {}));
  EXPECT_FALSE(
      OriginAllowed("https://Dash.Example.com", "dash.example.com", {}));
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1.evil.example",
                             "127.0.0.1.evil.example", {}));
  EXPECT_TRUE(OriginAllowed("https://dash.example.com", "dash.example.com",
                            {"https://dash.example.com"}));
}

TEST(HandshakePolicy, NonBrowserClientsWithoutOriginAreAllowed) {
  EXPECT_TRUE(OriginAllowed("", "127.0.0.1:8080", {}));
}

TEST(HandshakePolicy, TheAllowListIsExactOrStar) {
  const std::vector<std::string> allowed = {"https://dash.example.com"};
  EXPECT_TRUE(OriginAllowed("https://dash.example.com", "x", allowed));
  EXPECT_FALSE(OriginAllowed("https://dash.example.com.evil", "x", allowed));
  EXPECT_FALSE(
      OriginAllowed("http://x", "x", allowed));  // own host not implied
  EXPECT_TRUE(OriginAllowed("http://anything", "x", {"*"}));
}

TEST(HandshakePolicy, TokenComesFromTheBearerSubprotocol) {
  absl::StatusOr<HandshakeAuth> auth =
      ReadHandshakeAuth({"pulse.v1", "bearer.abc.def"}, "");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->token, "abc.def");
  EXPECT_EQ(auth->subprotocol, "pulse.v1");
}

// The answer names a subprotocol the client offered, never its token.
TEST(HandshakePolicy, TheAnsweredSubprotocolIsNeverTheBearerOne) {
  absl::StatusOr<HandshakeAuth> only_token =
      ReadHandshakeAuth({"bearer.secret-token", "chat"}, "");
  ASSERT_TRUE(only_token.ok());
  EXPECT_EQ(only_token->token, "secret-token");
  EXPECT_EQ(only_token->subprotocol, "chat");
  absl::StatusOr<HandshakeAuth> alone =
      ReadHandshakeAuth({"bearer.secret-token"}, "");
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->subprotocol, "");
}

TEST(HandshakePolicy, TokenComesFromTheQueryWhenNoSubprotocolHasOne) {
  absl::StatusOr<HandshakeAuth> auth =
      ReadHandshakeAuth({}, "x=1&access_token=a%2Bb&y=2");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->token, "a+b");
  EXPECT_EQ(auth->subprotocol, "");
}

TEST(HandshakePolicy, UnprintableTokensAreRefused) {
  EXPECT_FALSE(ReadHandshakeAuth({}, "access_token=a%0Ab").ok());
  EXPECT_FALSE(ReadHandshakeAuth({}, "access_token=%zz").ok());
  EXPECT_FALSE(
      ReadHandshakeAuth({}, "access_token=" + std::string(5000, 'a')).ok());
}

TEST(HandshakePolicy, PercentDecodingRejectsTruncatedEscapes) {
  EXPECT_EQ(*PercentDecode("%2e%2E/a"), "../a");
  EXPECT_FALSE(PercentDecode("%2").ok());
  EXPECT_FALSE(PercentDecode("%").ok());
}

}  // namespace
}  // namespace pulse::bridge
