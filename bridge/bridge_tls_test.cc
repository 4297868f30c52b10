// wss:// and https:// on pulse-bridge (--tls_cert/--tls_key) and TLS to the
// backend (--backend_tls_ca), with a throwaway CA: a real pulse-server, a real
// bridge, real TLS clients.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bridge/bridge_fixture.h"
#include "bridge/raw_socket.h"
#include "bridge/ws_test_client.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_certs.h"
#include "tests/test_data.h"

namespace pulse::bridge::testing {
namespace {

using google::protobuf::Value;
using pulse::testing::MakeTestCerts;
using pulse::testing::TempDir;
using pulse::testing::TestCerts;

bool IsUpdate(const Value& v, double subscription) {
  return At(v, "method").string_value() == "update" &&
         At(v, "params.subscription").number_value() == subscription;
}

class BridgeTls : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCerts> certs = MakeTestCerts(certs_dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    stack_ = StartStack({}, [this](BridgeOptions* o) {
      o->tls_cert = certs_.server_cert;
      o->tls_key = certs_.server_key;
    });
    ASSERT_NE(stack_, nullptr);
    std::ofstream(stack_->web_root + "/index.html") << "<h1>pulse</h1>\n";
  }
  std::string WssUri() const {
    return absl::StrCat("wss://127.0.0.1:", stack_->port(), "/ws");
  }
  int64_t TlsFailures() const {
    return stack_->bridge->Stats().tls_handshakes_failed;
  }

  TempDir certs_dir_;
  TestCerts certs_;
  std::unique_ptr<Stack> stack_;
};

TEST_F(BridgeTls, WssCarriesUnaryCallsAndSubscriptions) {
  WsClient client(certs_.ca_cert);
  auto ws = client.ConnectOpen(WssUri());
  ASSERT_NE(ws, nullptr);
  const Value ingested =
      ws->Call("Ingest", R"({"engagements":[{"eventId":"e1","postId":"p1",)"
                         R"("kind":"LIKE","count":"2"}]})");
  EXPECT_EQ(At(ingested, "result.accepted").number_value(), 1)
      << ToJson(ingested);
  const Value stats = ws->Call("GetGlobalStats", "{}");
  EXPECT_EQ(At(stats, "result.likes").string_value(), "2") << ToJson(stats);

  const Value ack =
      ws->Call("Subscribe", R"({"global":true,"minInterval":"0.05s"})");
  const double sub = At(ack, "result.subscription").number_value();
  ASSERT_GT(sub, 0) << ToJson(ack);
  const Value snapshot =
      ws->WaitFor([&](const Value& v) { return IsUpdate(v, sub); });
  EXPECT_TRUE(At(snapshot, "params.update.snapshot").bool_value())
      << ToJson(snapshot);
  EXPECT_EQ(At(snapshot, "params.update.global.likes").string_value(), "2");
  ws->Call("Ingest", R"({"engagements":[{"eventId":"e2","postId":"p1",)"
                     R"("kind":"LIKE"}]})");
  const Value update = ws->WaitFor([&](const Value& v) {
    return IsUpdate(v, sub) &&
           At(v, "params.update.global.likes").string_value() == "3";
  });
  EXPECT_EQ(update.kind_case(), Value::kStructValue) << "no update over wss";
  EXPECT_EQ(TlsFailures(), 0);

  // A closed wss socket is released at once, its stream with it (not after
  // a TLS shutdown timeout of 5 s, nor when the client hangs up).
  ws->Close();
  EXPECT_TRUE(ws->WaitClosed(absl::Seconds(3)));
  EXPECT_TRUE(WaitUntil(
      [&] {
        const BridgeStats s = stack_->bridge->Stats();
        return s.connections == 0 && s.upstreams == 0;
      },
      absl::Seconds(3)));
}

TEST_F(BridgeTls, HttpsServesTheDashboardHealthAndMetrics) {
  absl::StatusOr<HttpResponse> index =
      HttpsGet(stack_->port(), "/", certs_.ca_cert);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->status, 200) << index->head;
  EXPECT_EQ(index->body, "<h1>pulse</h1>\n");
  absl::StatusOr<HttpResponse> health =
      HttpsGet(stack_->port(), "/healthz", certs_.ca_cert);
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200) << health->head;
  absl::StatusOr<HttpResponse> metrics =
      HttpsGet(stack_->port(), "/metrics", certs_.ca_cert);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_TRUE(absl::StrContains(metrics->body,
                                "pulse_bridge_tls_handshakes_failed_total 0"))
      << metrics->body;
}

TEST_F(BridgeTls, AClientTrustingAnotherCaRefusesTheBridge) {
  WsClient stranger(certs_.other_ca_cert);
  auto refused = stranger.Connect(WssUri());
  ASSERT_TRUE(refused->WaitSettled());
  EXPECT_EQ(refused->state(), WsConn::State::kFailed);
  EXPECT_TRUE(absl::StrContains(refused->error(), "TLS handshake"))
      << refused->error();
  // The client aborts the handshake with an alert; the bridge counts it.
  EXPECT_TRUE(WaitUntil([&] { return TlsFailures() == 1; }, absl::Seconds(10)))
      << TlsFailures();
  EXPECT_FALSE(HttpsGet(stack_->port(), "/", certs_.other_ca_cert).ok());

  WsClient trusting(certs_.ca_cert);
  auto ws = trusting.ConnectOpen(WssUri());
  ASSERT_NE(ws, nullptr);
  // An empty store: every count is 0, so left out; the time is not.
  EXPECT_NE(
      At(ws->Call("GetGlobalStats", "{}"), "result.updatedAt").string_value(),
      "");
}

TEST_F(BridgeTls, PlainClientsToTheTlsPortFailAndOthersKeepBeingServed) {
  WsClient client(certs_.ca_cert);
  auto before = client.ConnectOpen(WssUri());
  ASSERT_NE(before, nullptr);

  auto plain = client.Connect(stack_->WsUri());
  ASSERT_TRUE(plain->WaitSettled());
  EXPECT_EQ(plain->state(), WsConn::State::kFailed);
  absl::StatusOr<HttpResponse> http = HttpGet(stack_->port(), "/");
  EXPECT_FALSE(http.ok() && http->status == 200);
  // A ClientHello that is not one, and a record header that lies about its
  // length followed by a hang-up.
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x00\x05hello", 10),
        std::string("\x16\x03\x03\xff\xff", 5) + std::string(100, '\x01')}) {
    absl::StatusOr<std::unique_ptr<RawSocket>> raw =
        RawSocket::Connect(stack_->port());
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_TRUE((*raw)->SendAll(garbage));
    if (garbage.size() == 10) {
      EXPECT_TRUE((*raw)->WaitEof(absl::Seconds(10)));
    }
  }
  // The plain websocket, the plain GET and the bad ClientHello at least; the
  // hung-up one when the bridge has read the rest of its record.
  EXPECT_TRUE(WaitUntil([&] { return TlsFailures() >= 3; }, absl::Seconds(10)))
      << TlsFailures();
  EXPECT_EQ(stack_->bridge->Stats().handshakes_rejected, 0);

  const Value stats = before->Call("GetGlobalStats", "{}");
  EXPECT_NE(At(stats, "result.updatedAt").string_value(), "") << ToJson(stats);
  auto after = client.ConnectOpen(WssUri());
  ASSERT_NE(after, nullptr);
  EXPECT_NE(At(after->Call("GetGlobalStats", "{}"), "result.updatedAt")
                .string_value(),
            "");
  EXPECT_TRUE(
      WaitUntil([&] { return stack_->bridge->Stats().connections == 2; },
                absl::Seconds(10)))
      << stack_->bridge->Stats().connections;
}

// --backend_tls_ca: pulse-server with --tls_cert/--tls_key, the bridge's
// channel to it over TLS.
TEST(BridgeBackendTls, TheBackendChannelUsesTlsAndTrustsOnlyItsCa) {
  TempDir dir;
  absl::StatusOr<TestCerts> certs = MakeTestCerts(dir.path());
  ASSERT_TRUE(certs.ok()) << certs.status();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = certs->ca_pem;
  const std::string data = dir.path() + "/data";
  std::filesystem::create_directories(data);
  auto server = pulse::testing::ServerProcess::Start(
      data,
      {"--tls_cert=" + certs->server_cert, "--tls_key=" + certs->server_key},
      grpc::SslCredentials(ssl));
  ASSERT_TRUE(server.ok()) << server.status();
  auto start_bridge = [&](const std::string& ca) {
    BridgeOptions o;
    o.listen = "127.0.0.1:0";
    o.backend = (*server)->address();
    o.backend_tls_ca = ca;
    o.web_root = "";
    absl::StatusOr<std::unique_ptr<BridgeServer>> bridge =
        BridgeServer::Start(o);
    EXPECT_TRUE(bridge.ok()) << bridge.status();
    return bridge.ok() ? *std::move(bridge) : nullptr;
  };
  auto uri = [](const BridgeServer& b) {
    return absl::StrCat("ws://127.0.0.1:", b.port(), "/ws");
  };

  std::unique_ptr<BridgeServer> bridge = start_bridge(certs->ca_cert);
  ASSERT_NE(bridge, nullptr);
  WsClient client;
  auto ws = client.ConnectOpen(uri(*bridge));
  ASSERT_NE(ws, nullptr);
  ws->Call("Ingest", R"({"engagements":[{"eventId":"e1","postId":"p1",)"
                     R"("kind":"LIKE","count":"5"}]})");
  const Value stats = ws->Call("GetGlobalStats", "{}");
  EXPECT_EQ(At(stats, "result.likes").string_value(), "5") << ToJson(stats);
  const Value ack = ws->Call("Subscribe", R"({"global":true})");
  const double sub = At(ack, "result.subscription").number_value();
  ASSERT_GT(sub, 0) << ToJson(ack);
  const Value snapshot =
      ws->WaitFor([&](const Value& v) { return IsUpdate(v, sub); });
  EXPECT_EQ(At(snapshot, "params.update.global.likes").string_value(), "5")
      << ToJson(snapshot);
  absl::StatusOr<HttpResponse> health = HttpGet(bridge->port(), "/healthz");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);

  // Trusting another CA, or no TLS at all: the server is unreachable.
  for (const std::string& ca : {certs->other_ca_cert, std::string()}) {
    SCOPED_TRACE(ca.empty() ? "plaintext" : ca);
    std::unique_ptr<BridgeServer> wrong = start_bridge(ca);
    ASSERT_NE(wrong, nullptr);
    auto refused = client.ConnectOpen(uri(*wrong));
    ASSERT_NE(refused, nullptr);
    const Value error = refused->Call("GetGlobalStats", "{}");
    EXPECT_EQ(At(error, "error.code").number_value(), 14) << ToJson(error);
    absl::StatusOr<HttpResponse> down = HttpGet(wrong->port(), "/healthz");
    ASSERT_TRUE(down.ok()) << down.status();
    EXPECT_EQ(down->status, 503);
  }
}

// Start-up checks need no server: a bridge refuses to start before it
// connects to anything.
class BridgeTlsStartup : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCerts> certs = MakeTestCerts(dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
  }
  // The status of starting a bridge with `tune`d options.
  absl::Status StartWith(const std::function<void(BridgeOptions*)>& tune) {
    BridgeOptions o;
    o.listen = "127.0.0.1:0";
    o.web_root = "";
    tune(&o);
    absl::StatusOr<std::unique_ptr<BridgeServer>> bridge =
        BridgeServer::Start(o);
    return bridge.status();
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  TempDir dir_;
  TestCerts certs_;
};

void ExpectRefused(const absl::Status& s, const std::string& flag) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), flag)) << s;
}

TEST_F(BridgeTlsStartup, ACertWithoutAKeyOrAKeyWithoutACertIsRefused) {
  ExpectRefused(
      StartWith([&](BridgeOptions* o) { o->tls_cert = certs_.server_cert; }),
      "--tls_key");
  ExpectRefused(
      StartWith([&](BridgeOptions* o) { o->tls_key = certs_.server_key; }),
      "--tls_cert");
}

TEST_F(BridgeTlsStartup, UnreadableOrInvalidFilesAreRefusedByName) {
  const std::string missing = dir_.path() + "/missing.pem";
  const std::string garbage = Write("garbage.pem", "not a certificate\n");
  const std::string truncated =
      Write("truncated.pem", certs_.ca_pem.substr(0, certs_.ca_pem.size() / 2));
  struct Case {
    std::string cert, key, flag;
  };
  for (const Case& c : std::vector<Case>{
           {missing, certs_.server_key, "--tls_cert"},
           {dir_.path(), certs_.server_key, "--tls_cert"},
           {garbage, certs_.server_key, "--tls_cert"},
           {truncated, certs_.server_key, "--tls_cert"},
           {certs_.server_cert, missing, "--tls_key"},
           {certs_.server_cert, garbage, "--tls_key"},
           // The CA's key exists and is valid but is not the certificate's.
           {certs_.server_cert, dir_.path() + "/ca.key", "--tls_key"},
       }) {
    SCOPED_TRACE(c.cert + " " + c.key);
    ExpectRefused(StartWith([&](BridgeOptions* o) {
                    o->tls_cert = c.cert;
                    o->tls_key = c.key;
                  }),
                  c.flag);
  }
  for (const std::string& ca : {missing, garbage, truncated}) {
    SCOPED_TRACE(ca);
    ExpectRefused(StartWith([&](BridgeOptions* o) { o->backend_tls_ca = ca; }),
                  "--backend_tls_ca");
  }
  EXPECT_TRUE(StartWith([&](BridgeOptions* o) {
                o->tls_cert = certs_.server_cert;
                o->tls_key = certs_.server_key;
                o->backend_tls_ca = certs_.ca_cert;
              }).ok());
}

TEST_F(BridgeTlsStartup, TheBinaryExitsWithAnErrorNotACrash) {
  const std::string log = dir_.path() + "/bridge.log";
  for (const std::string& flags :
       {absl::StrCat("--tls_cert=", certs_.server_cert),
        absl::StrCat("--tls_cert=", dir_.path(),
                     "/missing.pem --tls_key=", certs_.server_key),
        absl::StrCat("--backend_tls_ca=", dir_.path(), "/missing.pem")}) {
    SCOPED_TRACE(flags);
    const int status =
        std::system(absl::StrCat(PULSE_BRIDGE_BIN, " --listen=127.0.0.1:0 ",
                                 flags, " >", log, " 2>&1")
                        .c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1);
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    EXPECT_TRUE(absl::StrContains(text, "cannot start")) << text;
  }
}

}  // namespace
}  // namespace pulse::bridge::testing
