#include "bridge/handshake_policy.h"

#include "gtest/gtest.h"

namespace pulse::bridge {
namespace {

TEST(HandshakePolicy, ByDefaultOnlyTheBridgesOwnHostIsAllowed) {
  EXPECT_TRUE(OriginAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", {}));
  EXPECT_TRUE(
      OriginAllowed("https://Dash.Example.com", "dash.example.com", {}));
  EXPECT_FALSE(OriginAllowed("http://evil.example", "127.0.0.1:8080", {}));
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1:9999", "127.0.0.1:8080", {}));
  EXPECT_FALSE(OriginAllowed("null", "127.0.0.1:8080", {}));
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
