// Auth, TLS and limits end to end: real pulse-server processes started with
// --auth_tokens, --tls_cert/--tls_key and the limit flags, called through the
// client library (and raw stubs where a channel argument matters).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_certs.h"
#include "tests/test_data.h"

namespace pulse::testing {
namespace {

constexpr char kIngest[] = "ingest-token-aaaaaaaaaaaa";
constexpr char kRead[] = "read-token-bbbbbbbbbbbbbb";
constexpr char kAdmin[] = "admin-token-cccccccccccc";
constexpr char kIngestA1[] = "ingest-a1-dddddddddddddd";
constexpr char kReadA1[] = "read-a1-eeeeeeeeeeeeeeee";

std::string Tokens() {
  return absl::StrCat("# role tokens\n", kIngest, " ingest\n", kRead, " read\n",
                      kAdmin, " admin\n", kIngestA1, " ingest a1\n", kReadA1,
                      " read a1\n");
}

std::unique_ptr<Client> Connect(const std::string& address,
                                const std::string& token,
                                const std::string& tls_ca = "") {
  ClientOptions options;
  options.token = token;
  options.tls_ca = tls_ca;
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect(address, options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// A Subscribe running on its own thread until cancelled or ended.
class Watch {
 public:
  Watch(Client* client, v1::SubscribeRequest request)
      : thread_([this, client, request] {
          status_ = client->Subscribe(
              request,
              [this](const v1::Update& update) {
                absl::MutexLock lock(&mu_);
                updates_.push_back(update);
                return true;
              },
              &handle_);
          done_ = true;
        }) {}
  ~Watch() {
    handle_.Cancel();
    thread_.join();
  }
  bool done() const { return done_; }
  absl::Status status() const { return done_ ? status_ : absl::OkStatus(); }
  std::vector<v1::Update> updates() const {
    absl::MutexLock lock(&mu_);
    return updates_;
  }
  void Cancel() { handle_.Cancel(); }

 private:
  mutable absl::Mutex mu_;
  std::vector<v1::Update> updates_ ABSL_GUARDED_BY(mu_);
  SubscribeHandle handle_;
  absl::Status status_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_ = dir_.path() + "/tokens";
    std::ofstream(tokens_) << Tokens();
  }
  void Start(std::vector<std::string> flags = {}) {
    flags.push_back("--auth_tokens=" + tokens_);
    auto server = ServerProcess::Start(dir_.path() + "/data", flags);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  TempDir dir_;
  std::string tokens_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AuthTest, NoOrUnknownTokenIsUnauthenticatedEverywhere) {
  Start();
  for (const std::string& token :
       {std::string(), std::string("x-wrong-x-wrong-x-wrong")}) {
    auto client = Connect(server_->address(), token);
    EXPECT_EQ(client->GetGlobalStats({}).status().code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(client->Ingest(SampleBatch()).status().code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(client->GetStorageStats({}).status().code(),
              absl::StatusCode::kUnauthenticated);
    auto stream = client->StartIngestStream(absl::Seconds(10));
    stream->Write(SampleBatch());
    EXPECT_EQ(stream->Finish().status().code(),
              absl::StatusCode::kUnauthenticated);
    v1::SubscribeRequest subscribe;
    subscribe.set_global(true);
    EXPECT_EQ(
        client->Subscribe(subscribe, [](const v1::Update&) { return true; })
            .code(),
        absl::StatusCode::kUnauthenticated);
  }
  // The health service stays open to load balancers.
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(server_->channel())
                  ->Check(Context().get(), {}, &health)
                  .ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // No tokens appear in the log, whatever happened.
  const std::string log = server_->Log();
  for (const char* token : {kIngest, kRead, kAdmin, kIngestA1, kReadA1}) {
    EXPECT_FALSE(absl::StrContains(log, token)) << log;
  }
}

TEST_F(AuthTest, EachRoleMayCallOnlyItsMethods) {
  Start();
  auto ingest = Connect(server_->address(), kIngest);
  auto read = Connect(server_->address(), kRead);
  auto admin = Connect(server_->address(), kAdmin);

  ASSERT_TRUE(ingest->Ingest(SampleBatch()).ok());
  auto denied = ingest->GetGlobalStats({});
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(denied.status().message(),
                                "GetGlobalStats: a 'ingest' token"))
      << denied.status();

  auto global = read->GetGlobalStats({});
  ASSERT_TRUE(global.ok()) << global.status();
  EXPECT_EQ(global->engagements(), 13);
  EXPECT_EQ(read->Ingest(SampleBatch()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(read->GetStorageStats({}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(read->Compact({}).status().code(),
            absl::StatusCode::kPermissionDenied);

  EXPECT_TRUE(admin->GetStorageStats({}).ok());
  EXPECT_TRUE(admin->GetGlobalStats({}).ok());
  v1::IngestRequest more;
  *more.add_engagements() = MakeEngagement("admin-e1", "p1", v1::LIKE, 1);
  EXPECT_TRUE(admin->Ingest(more).ok());
}

TEST_F(AuthTest, AnAccountScopedTokenIngestsAndSeesOnlyItsAccounts) {
  Start();
  ASSERT_TRUE(Connect(server_->address(), kAdmin)->Ingest(SampleBatch()).ok());
  auto ingest_a1 = Connect(server_->address(), kIngestA1);
  auto read_a1 = Connect(server_->address(), kReadA1);

  // Ingest: posts, follows and engagements of a1's posts only.
  v1::IngestRequest mine;
  *mine.add_posts() = MakePost("p9", "a1", {"news"});
  *mine.add_engagements() = MakeEngagement("s-e1", "p9", v1::LIKE, 2);
  *mine.add_engagements() = MakeEngagement("s-e2", "p1", v1::LIKE, 1);
  *mine.add_follows() = MakeFollow("s-f1", "a1", 1);
  auto accepted = ingest_a1->Ingest(mine);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->accepted(), 4);
  // An invalid item is rejected alone, as for any token.
  v1::IngestRequest one_bad;
  *one_bad.add_engagements() = MakeEngagement("s-e6", "p9", v1::LIKE, 1);
  *one_bad.add_engagements() = MakeEngagement("s-e7", "", v1::LIKE, 1);
  auto partly = ingest_a1->Ingest(one_bad);
  ASSERT_TRUE(partly.ok()) << partly.status();
  EXPECT_EQ(partly->accepted(), 1);
  ASSERT_EQ(partly->rejected_items_size(), 1);
  EXPECT_EQ(partly->rejected_items(0).index(), 1);
  for (const auto& [batch, field] :
       std::vector<std::pair<v1::IngestRequest, std::string>>{
           {[] {
              v1::IngestRequest r;
              *r.add_posts() = MakePost("p8", "a1", {});
              *r.add_posts() = MakePost("p7", "a2", {});
              return r;
            }(),
            "posts[1].account_id: account 'a2'"},
           {[] {
              v1::IngestRequest r;
              *r.add_engagements() = MakeEngagement("s-e3", "p3", v1::LIKE, 1);
              return r;
            }(),
            "engagements[0].post_id: post 'p3'"},
           {[] {  // another account's stored post, claimed for a1
              v1::IngestRequest r;
              *r.add_posts() = MakePost("p3", "a1", {});
              *r.add_engagements() = MakeEngagement("s-e5", "p3", v1::LIKE, 1);
              return r;
            }(),
            "posts[0].post_id: post 'p3' is stored under an account outside"},
           {[] {
              v1::IngestRequest r;
              *r.add_engagements() =
                  MakeEngagement("s-e4", "nowhere", v1::LIKE, 1);
              return r;
            }(),
            "engagements[0].post_id: post 'nowhere'"},
           {[] {  // a post the batch names but validation rejects (published
                  // in the future) vouches for no engagement: stored
                  // unattributed, they would join whoever registers the id
              v1::IngestRequest r;
              *r.add_posts() = MakePost("later", "a1", {});
              r.mutable_posts(0)->mutable_published_at()->set_seconds(
                  4102444800);  // 2100-01-01
              *r.add_engagements() =
                  MakeEngagement("s-e8", "later", v1::LIKE, 1000);
              return r;
            }(),
            "engagements[0].post_id: post 'later'"},
           {[] {
              v1::IngestRequest r;
              *r.add_follows() = MakeFollow("s-f2", "a2", 1);
              return r;
            }(),
            "follows[0].account_id"},
       }) {
    auto refused = ingest_a1->Ingest(batch);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_TRUE(absl::StrContains(refused.status().message(), field))
        << refused.status();
  }

  // Reads.
  EXPECT_TRUE(read_a1
                  ->GetPostStats([] {
                    v1::GetPostStatsRequest r;
                    r.set_post_id("p1");
                    return r;
                  }())
                  .ok());
  EXPECT_EQ(read_a1
                ->GetPostStats([] {
                  v1::GetPostStatsRequest r;
                  r.set_post_id("p3");
                  return r;
                }())
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  v1::BatchGetPostStatsRequest batch_get;
  batch_get.add_post_ids("p1");
  batch_get.add_post_ids("p3");
  auto batch_denied = read_a1->BatchGetPostStats(batch_get);
  EXPECT_EQ(batch_denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      absl::StrContains(batch_denied.status().message(), "post_ids[1]"));
  v1::GetAccountStatsRequest account;
  account.set_account_id("a1");
  EXPECT_TRUE(read_a1->GetAccountStats(account).ok());
  account.set_account_id("a2");
  EXPECT_EQ(read_a1->GetAccountStats(account).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(read_a1->GetGlobalStats({}).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::GetHashtagStatsRequest hashtag;
  hashtag.set_hashtag("news");
  EXPECT_EQ(read_a1->GetHashtagStats(hashtag).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(read_a1->TrendingHashtags({}).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::QueryTimeSeriesRequest series;
  series.set_post_id("p3");
  *series.mutable_start_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  EXPECT_EQ(read_a1->QueryTimeSeries(series).status().code(),
            absl::StatusCode::kPermissionDenied);
  series.set_post_id("p1");
  EXPECT_TRUE(read_a1->QueryTimeSeries(series).ok());

  // The top board holds a1's posts only (p3 of a2 ranks high for everyone
  // else).
  auto top = read_a1->TopPosts({});
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_GE(top->posts_size(), 2);
  for (const v1::TopPost& post : top->posts())
    EXPECT_EQ(post.account_id(), "a1");
  auto everyone = Connect(server_->address(), kRead)->TopPosts({});
  ASSERT_TRUE(everyone.ok());
  EXPECT_EQ(everyone->posts_size(), top->posts_size() + 1);

  // Subscriptions: out-of-scope items are refused, a board is filtered.
  for (const auto& [request, field] :
       std::vector<std::pair<v1::SubscribeRequest, std::string>>{
           {[] {
              v1::SubscribeRequest r;
              r.add_post_ids("p1");
              r.add_post_ids("p3");
              return r;
            }(),
            "post_ids[1]"},
           {[] {
              v1::SubscribeRequest r;
              r.add_account_ids("a2");
              return r;
            }(),
            "account_ids[0]"},
           {[] {
              v1::SubscribeRequest r;
              r.set_global(true);
              return r;
            }(),
            "global"},
       }) {
    absl::Status refused =
        read_a1->Subscribe(request, [](const v1::Update&) { return true; });
    EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << refused;
    EXPECT_TRUE(absl::StrContains(refused.message(), field)) << refused;
  }
  v1::SubscribeRequest board;
  board.mutable_top_posts();
  board.add_post_ids("p1");
  Watch watch(read_a1.get(), board);
  ASSERT_TRUE(
      WaitUntil([&] { return !watch.updates().empty() || watch.done(); },
                absl::Seconds(10)));
  ASSERT_FALSE(watch.updates().empty()) << watch.status();
  const v1::Update first = watch.updates().front();
  ASSERT_GE(first.top_posts().posts_size(), 2);
  for (const v1::TopPost& post : first.top_posts().posts()) {
    EXPECT_EQ(post.account_id(), "a1");
  }
}

TEST_F(AuthTest, IngestRateIsLimitedPerTokenWithARetryTime) {
  Start({"--ingest_rate_per_token=100"});
  auto client = Connect(server_->address(), kIngest);
  auto other = Connect(server_->address(), kAdmin);
  v1::IngestRequest big;
  for (int i = 0; i < 400; ++i) {
    *big.add_engagements() =
        MakeEngagement(absl::StrCat("r-", i), "p1", v1::IMPRESSION, 1);
  }
  ASSERT_TRUE(client->Ingest(big).ok());  // a burst of 100 may overdraw once

  // Over the rate now: refused with how long to wait, in the message and
  // as retry-after-ms trailing metadata.
  std::unique_ptr<v1::AnalyticsService::Stub> stub = server_->stub();
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kIngest));
  v1::IngestRequest one;
  *one.add_engagements() = MakeEngagement("r-one", "p1", v1::LIKE, 1);
  v1::IngestResponse response;
  const grpc::Status limited = stub->Ingest(&ctx, one, &response);
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(limited.error_message(),
                                "ingest rate limit of 100 items/s"))
      << limited.error_message();
  auto retry = ctx.GetServerTrailingMetadata().find("retry-after-ms");
  ASSERT_NE(retry, ctx.GetServerTrailingMetadata().end());
  int retry_ms = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::string_view(retry->second.data(), retry->second.size()),
      &retry_ms));
  // 300 items of debt at 100/s: at most 3 s.
  EXPECT_GT(retry_ms, 0);
  EXPECT_LE(retry_ms, 3000);

  // Another token is not slowed; the limited one is served after the wait.
  EXPECT_TRUE(other->Ingest(big).ok());
  absl::SleepFor(absl::Milliseconds(retry_ms));  // what the server asked
  auto after = client->Ingest(one);
  EXPECT_TRUE(after.ok()) << after.status();
}

TEST_F(AuthTest, SubscriptionsPerTokenAreBounded) {
  Start({"--max_subscriptions_per_token=2"});
  auto client = Connect(server_->address(), kRead);
  ASSERT_TRUE(Connect(server_->address(), kAdmin)->Ingest(SampleBatch()).ok());
  v1::SubscribeRequest request;
  request.set_global(true);
  auto first = std::make_unique<Watch>(client.get(), request);
  Watch second(client.get(), request);
  ASSERT_TRUE(WaitUntil(
      [&] { return !first->updates().empty() && !second.updates().empty(); },
      absl::Seconds(10)));
  absl::Status third =
      client->Subscribe(request, [](const v1::Update&) { return true; });
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(
      absl::StrContains(third.message(), "--max_subscriptions_per_token"))
      << third;
  // Another token has its own allowance.
  auto admin = Connect(server_->address(), kAdmin);
  Watch admins(admin.get(), request);
  ASSERT_TRUE(
      WaitUntil([&] { return !admins.updates().empty(); }, absl::Seconds(10)))
      << admins.status();
  first.reset();  // ends one stream; its slot frees once the server sees it
  std::unique_ptr<Watch> again;
  ASSERT_TRUE(WaitUntil(
      [&] {
        again = std::make_unique<Watch>(client.get(), request);
        WaitUntil([&] { return !again->updates().empty() || again->done(); },
                  absl::Seconds(5));
        return !again->updates().empty();
      },
      absl::Seconds(20)));
}

TEST_F(AuthTest, SighupReloadsTokensAndABrokenFileKeepsTheOldOnes) {
  Start({"--log_level=info"});
  const std::string fresh = "fresh-token-ffffffffffff";
  auto fresh_client = Connect(server_->address(), fresh);
  EXPECT_EQ(fresh_client->GetGlobalStats({}).status().code(),
            absl::StatusCode::kUnauthenticated);

  std::ofstream(tokens_) << fresh << " read\n";
  server_->Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return fresh_client->GetGlobalStats({}).ok(); },
                        absl::Seconds(10)));
  EXPECT_EQ(
      Connect(server_->address(), kRead)->GetGlobalStats({}).status().code(),
      absl::StatusCode::kUnauthenticated);

  std::ofstream(tokens_) << fresh << " superuser\n";
  server_->Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return absl::StrContains(server_->Log(), "auth tokens reload failed");
      },
      absl::Seconds(10)))
      << server_->Log();
  EXPECT_TRUE(fresh_client->GetGlobalStats({}).ok());
  EXPECT_TRUE(absl::StrContains(server_->Log(), "unknown role 'superuser'"));
  EXPECT_FALSE(absl::StrContains(server_->Log(), fresh));
}

// A scoped token's subscriptions to one board share it, as everyone else's
// do: each used to compute it anew, a scan of the window under the boards'
// lock that ingest needs too.
TEST_F(AuthTest, AScopedTokensSubscriptionsShareTheirBoard) {
  Start({"--metrics_listen=127.0.0.1:0"});
  ASSERT_TRUE(Connect(server_->address(), kAdmin)->Ingest(SampleBatch()).ok());
  auto scoped = Connect(server_->address(), kReadA1);
  v1::SubscribeRequest board;
  board.mutable_top_posts()->mutable_window()->set_seconds(300);
  board.mutable_min_interval()->set_nanos(100'000'000);
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < 4; ++i) {
    watches.push_back(std::make_unique<Watch>(scoped.get(), board));
  }
  auto boards_shared = [&] {
    const std::string page = HttpGet(server_->metrics_port(), "/metrics");
    const std::string line = "\npulse_subscription_boards_shared ";
    const size_t at = page.find(line);
    return at == std::string::npos ? -1
                                   : std::atoi(page.c_str() + at + line.size());
  };
  EXPECT_TRUE(
      WaitUntil([&] { return boards_shared() >= 3; }, absl::Seconds(10)))
      << boards_shared();
  for (const auto& watch : watches) {
    ASSERT_TRUE(WaitUntil([&] { return !watch->updates().empty(); },
                          absl::Seconds(10)));
    const v1::Update first = watch->updates()[0];
    EXPECT_GT(first.top_posts().posts_size(), 0);
    for (const v1::TopPost& post : first.top_posts().posts()) {
      EXPECT_EQ(post.account_id(), "a1");
    }
  }
}

// Streams are checked too: one opened with a token that a reload removes,
// or whose accounts it changes, ends; one whose token stays goes on.
TEST_F(AuthTest, SighupEndsTheStreamsOfRemovedAndChangedTokens) {
  Start();
  ASSERT_TRUE(Connect(server_->address(), kAdmin)->Ingest(SampleBatch()).ok());
  auto reader = Connect(server_->address(), kRead);
  auto scoped = Connect(server_->address(), kReadA1);
  auto admin = Connect(server_->address(), kAdmin);
  v1::SubscribeRequest global;
  global.set_global(true);
  v1::SubscribeRequest account;
  account.add_account_ids("a1");
  Watch removed(reader.get(), global);
  Watch changed(scoped.get(), account);
  Watch kept(admin.get(), global);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return !removed.updates().empty() && !changed.updates().empty() &&
               !kept.updates().empty();
      },
      absl::Seconds(10)));
  // An IngestStream whose first batch is stored before the reload.
  const int64_t likes = admin->GetGlobalStats({})->likes();
  auto ingester = Connect(server_->address(), kIngest);
  std::unique_ptr<IngestStream> stream = ingester->StartIngestStream();
  v1::IngestRequest like;
  *like.add_engagements() = MakeEngagement("hup-e1", "p1", v1::LIKE, 1);
  ASSERT_TRUE(stream->Write(like));
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto stats = admin->GetGlobalStats({});
        return stats.ok() && stats->likes() == likes + 1;
      },
      absl::Seconds(10)));

  std::ofstream(tokens_) << kAdmin << " admin\n" << kReadA1 << " read a1,a2\n";
  server_->Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return removed.done() && changed.done(); },
                        absl::Seconds(10)));
  EXPECT_EQ(removed.status().code(), absl::StatusCode::kUnauthenticated)
      << removed.status();
  EXPECT_TRUE(absl::StrContains(removed.status().message(), "reloaded"))
      << removed.status();
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kUnauthenticated)
      << changed.status();
  EXPECT_FALSE(kept.done()) << kept.status();
  *like.mutable_engagements(0)->mutable_event_id() = "hup-e2";
  stream->Write(like);  // may already see the stream ended
  EXPECT_EQ(stream->Finish().status().code(),
            absl::StatusCode::kUnauthenticated);
  // The changed token works again on a new call, with its new accounts.
  v1::GetAccountStatsRequest a1;
  a1.set_account_id("a1");
  EXPECT_TRUE(scoped->GetAccountStats(a1).ok());
}

TEST(AuthStartTest, ANonLoopbackAddressNeedsTokensOrAnExplicitOff) {
  TempDir dir;
  auto refused =
      ServerProcess::Start(dir.path() + "/data", {"--listen=0.0.0.0:0"});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(
      absl::StrContains(refused.status().message(), "--listen is not loopback"))
      << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "--auth_tokens"));

  auto bad_file = ServerProcess::Start(
      dir.path() + "/data2", {"--auth_tokens=" + dir.path() + "/missing"});
  ASSERT_FALSE(bad_file.ok());
  EXPECT_TRUE(absl::StrContains(bad_file.status().message(), "cannot read"));
}

TEST(AuthStartTest, LoopbackWithoutTokensIsOpenWithAWarning) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() + "/data");
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(Connect((*server)->address(), "")->GetGlobalStats({}).ok());
  EXPECT_TRUE(absl::StrContains((*server)->Log(), "WARN auth off"))
      << (*server)->Log();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto certs = MakeTestCerts(dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = certs_.ca_pem;
    auto server = ServerProcess::Start(
        dir_.path() + "/data",
        {"--tls_cert=" + certs_.server_cert, "--tls_key=" + certs_.server_key},
        grpc::SslCredentials(ssl));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  TempDir dir_;
  TestCerts certs_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, ATrustingClientIsServedOthersAreRefused) {
  auto trusted = Connect(server_->address(), "", certs_.ca_cert);
  ASSERT_TRUE(trusted->Ingest(SampleBatch()).ok());
  auto global = trusted->GetGlobalStats({});
  ASSERT_TRUE(global.ok()) << global.status();
  EXPECT_EQ(global->engagements(), 13);

  ClientOptions quick;
  quick.deadline = absl::Seconds(3);
  quick.tls_ca = certs_.other_ca_cert;
  auto untrusting = Client::Connect(server_->address(), quick);
  ASSERT_TRUE(untrusting.ok());
  EXPECT_EQ((*untrusting)->GetGlobalStats({}).status().code(),
            absl::StatusCode::kUnavailable);
  quick.tls_ca.clear();  // plaintext to a TLS port
  auto plaintext = Client::Connect(server_->address(), quick);
  ASSERT_TRUE(plaintext.ok());
  EXPECT_EQ((*plaintext)->GetGlobalStats({}).status().code(),
            absl::StatusCode::kUnavailable);
  // And the server goes on serving.
  EXPECT_TRUE(trusted->GetGlobalStats({}).ok());
}

TEST(TlsStartTest, HalfAConfigurationOrABadFileStopsStartUp) {
  TempDir dir;
  auto certs = MakeTestCerts(dir.path());
  ASSERT_TRUE(certs.ok()) << certs.status();
  auto only_cert = ServerProcess::Start(dir.path() + "/d1",
                                        {"--tls_cert=" + certs->server_cert});
  ASSERT_FALSE(only_cert.ok());
  EXPECT_TRUE(
      absl::StrContains(only_cert.status().message(), "set both or neither"));
  auto bad_key = ServerProcess::Start(dir.path() + "/d2",
                                      {"--tls_cert=" + certs->server_cert,
                                       "--tls_key=" + dir.path() + "/none"});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_TRUE(absl::StrContains(bad_key.status().message(), "--tls_key"));
  ClientOptions options;
  options.tls_ca = dir.path() + "/none.pem";
  EXPECT_EQ(Client::Connect("127.0.0.1:1", options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LimitsTest, ConcurrentStreamsPerConnectionAreCapped) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() + "/data",
                                     {"--max_concurrent_streams=2"});
  ASSERT_TRUE(server.ok()) << server.status();
  // Everything below shares one connection.
  auto channel = grpc::CreateChannel((*server)->address(),
                                     grpc::InsecureChannelCredentials());
  Client client(channel, ClientOptions{});
  ClientOptions short_deadline;
  short_deadline.deadline = absl::Milliseconds(500);
  Client quick(channel, short_deadline);
  ASSERT_TRUE(client.Ingest(SampleBatch()).ok());
  v1::SubscribeRequest request;
  request.set_global(true);
  auto first = std::make_unique<Watch>(&client, request);
  Watch second(&client, request);
  ASSERT_TRUE(WaitUntil(
      [&] { return !first->updates().empty() && !second.updates().empty(); },
      absl::Seconds(10)));
  // A third call waits for a free stream, here past its deadline...
  EXPECT_EQ(quick.GetGlobalStats({}).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  // ... and is served once a stream ends.
  first.reset();
  EXPECT_TRUE(WaitUntil([&] { return quick.GetGlobalStats({}).ok(); },
                        absl::Seconds(10)));
}

TEST(LimitsTest, ARequestOverTheMessageSizeIsRefusedAndOthersServed) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() + "/data",
                                     {"--max_receive_message_bytes=16384"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = Connect((*server)->address(), "");
  v1::IngestRequest big;
  for (int i = 0; i < 1000; ++i) {
    *big.add_engagements() =
        MakeEngagement(absl::StrCat("big-", i), "p1", v1::LIKE, 1);
  }
  ASSERT_GT(big.ByteSizeLong(), 16384u);
  auto refused = client->Ingest(big);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  auto served = client->Ingest(SampleBatch());
  ASSERT_TRUE(served.ok()) << served.status();
  auto global = client->GetGlobalStats({});
  ASSERT_TRUE(global.ok());
  EXPECT_EQ(global->engagements(), 13);  // nothing of the refused batch
}

TEST(LimitsTest, AFloodOfCallsIsRefusedAtOnceNotQueued) {
  TempDir dir;
  auto server = ServerProcess::Start(
      dir.path() + "/data", {"--worker_threads=1", "--max_queued_requests=2"});
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<v1::AnalyticsService::Stub> stub = (*server)->stub();
  // 300 calls in flight at once against one worker and a queue of two.
  struct Call {
    grpc::ClientContext ctx;
    v1::GlobalStats response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::GlobalStats>> rpc;
  };
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Call>> calls(300);
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i] = std::make_unique<Call>();
    calls[i]->ctx.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
    calls[i]->rpc = stub->AsyncGetGlobalStats(&calls[i]->ctx, {}, &cq);
    calls[i]->rpc->Finish(&calls[i]->response, &calls[i]->status,
                          reinterpret_cast<void*>(i));
  }
  int ok = 0, refused = 0;
  for (size_t n = 0; n < calls.size(); ++n) {
    void* tag = nullptr;
    bool done = false;
    ASSERT_TRUE(cq.Next(&tag, &done));
    const grpc::Status& status = calls[reinterpret_cast<size_t>(tag)]->status;
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_TRUE(absl::StrContains(status.error_message(),
                                    "the request queue is full"))
          << status.error_message();
      ++refused;
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  cq.Shutdown();
  // And the server is itself again.
  EXPECT_TRUE(Connect((*server)->address(), "")->GetGlobalStats({}).ok());
}

TEST(LimitsTest, AClientPingingTooOftenIsSentAway) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path() + "/data",
                                     {"--min_client_ping_interval=10s"});
  ASSERT_TRUE(server.ok()) << server.status();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 100);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS, 100);
  auto channel = grpc::CreateCustomChannel(
      (*server)->address(), grpc::InsecureChannelCredentials(), args);
  Client client(channel, ClientOptions{});
  ASSERT_TRUE(client.Ingest(SampleBatch()).ok());
  v1::SubscribeRequest request;
  request.add_post_ids("p1");  // quiet after the snapshot: only pings flow
  Watch watch(&client, request);
  ASSERT_TRUE(WaitUntil([&] { return watch.done(); }, absl::Seconds(20)))
      << "the server never sent the pinging client away";
  EXPECT_EQ(watch.status().code(), absl::StatusCode::kUnavailable)
      << watch.status();
}

}  // namespace
}  // namespace pulse::testing
