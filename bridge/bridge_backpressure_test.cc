// A browser that stops reading: the bridge neither buffers without bound for
// it nor delays the other sockets, and it catches up when it reads again.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bridge/bridge_fixture.h"
#include "bridge/raw_socket.h"
#include "bridge/ws_test_client.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"
#include "tests/test_data.h"
#include "tests/time_scale.h"

namespace pulse::bridge::testing {
namespace {

using google::protobuf::Value;

constexpr int kPosts = 200;
constexpr size_t kMaxBuffered = 64 << 10;

std::string WatchAllPosts() {
  std::vector<std::string> ids;
  for (int i = 0; i < kPosts; ++i) ids.push_back(absl::StrCat("\"q", i, "\""));
  return absl::StrCat(R"({"postIds":[)", absl::StrJoin(ids, ","),
                      R"(],"minInterval":"0.05s"})");
}

std::string SubscribeFrame(const std::string& params) {
  return absl::StrCat(
      R"({"jsonrpc":"2.0","id":1,"method":"Subscribe","params":)", params, "}");
}

// A request for a method that does not exist: the bridge answers it with an
// error frame that carries `id`, without a call to the server.
std::string UnknownMethodRequest(int id, size_t padding = 0) {
  return MaskedTextFrame(absl::StrCat(R"({"jsonrpc":"2.0","id":)", id,
                                      R"(,"method":"No)",
                                      std::string(padding, 'x'), R"("})"));
}

// Likes for q0 as the update in `frame` states them (absent: 0); -1 if the
// update has no q0.
int64_t LikesOfQ0(const std::string& frame) {
  const Value posts = At(ParseJson(frame), "params.update.posts");
  for (const Value& p : posts.list_value().values()) {
    if (At(p, "postId").string_value() != "q0") continue;
    const std::string likes = At(p, "likes").string_value();
    return likes.empty() ? 0 : std::stoll(likes);
  }
  return -1;
}

// A healthy socket watching the global totals every 50 ms; null if it could
// not subscribe.
std::shared_ptr<WsConn> WatchGlobal(WsClient* client, const std::string& uri) {
  std::shared_ptr<WsConn> ws = client->ConnectOpen(uri);
  if (ws == nullptr) return nullptr;
  const Value answer =
      ws->Call("Subscribe", R"({"global":true,"minInterval":"0.05s"})");
  if (At(answer, "result.subscription").number_value() <= 0) return nullptr;
  return ws;
}

// Ingests one LIKE on every watched post every 20 ms until stopped.
class Driver {
 public:
  explicit Driver(pulse::testing::ServerProcess* server)
      : stub_(server->stub()) {
    v1::IngestRequest posts;
    for (int i = 0; i < kPosts; ++i) {
      *posts.add_posts() =
          pulse::testing::MakePost(absl::StrCat("q", i), "acct", {"bp"});
    }
    v1::IngestResponse r;
    EXPECT_TRUE(stub_->Ingest(pulse::testing::Context().get(), posts, &r).ok());
    thread_ = std::thread([this] {
      while (!stop_) {
        v1::IngestRequest batch;
        const int round = rounds_.load();
        for (int i = 0; i < kPosts; ++i) {
          *batch.add_engagements() =
              pulse::testing::MakeEngagement(absl::StrCat("bp-", round, "-", i),
                                             absl::StrCat("q", i), v1::LIKE, 1);
        }
        v1::IngestResponse r;
        if (stub_->Ingest(pulse::testing::Context().get(), batch, &r).ok())
          ++rounds_;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~Driver() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Likes ingested per post so far.
  int64_t rounds() const { return rounds_.load(); }

 private:
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> rounds_{0};
  std::thread thread_;
};

// The largest delay between an update's build time and its arrival, over the
// healthy socket's frames from index `from` on.
// Updates a healthy socket must get in the watched 2 s (scaled): 10 at full
// speed, where it gets about 40. On a sanitized build, several times slower
// and on CI's shared 2 cores, 3 (it got 8 of 10 twice while other builds ran
// beside it): the updates keep coming, and the worst delay, checked beside
// this, bounds how late each is.
size_t EnoughUpdates() { return pulse::testing::TimeScale() > 1 ? 3 : 10; }

absl::Duration WorstDelay(WsConn* ws, size_t from,
                          const std::vector<absl::Time>& arrivals) {
  absl::Duration worst;
  const std::vector<std::string> frames = ws->frames();
  for (size_t i = from; i < frames.size() && i < arrivals.size(); ++i) {
    absl::Time built;
    std::string err;
    if (absl::ParseTime(
            absl::RFC3339_full,
            At(ParseJson(frames[i]), "params.update.time").string_value(),
            &built, &err)) {
      worst = std::max(worst, arrivals[i] - built);
    }
  }
  return worst;
}

// Reads the stalled socket again until an update says q0 has `likes` likes.
bool DrainUntilLikes(RawSocket* raw, int64_t likes, absl::Duration timeout) {
  std::string buffer;
  const absl::Time deadline = absl::Now() + pulse::testing::Scaled(timeout);
  while (absl::Now() < deadline) {
    buffer += raw->Read(absl::Milliseconds(50));
    for (const std::string& f : TakeFrames(&buffer)) {
      if (LikesOfQ0(f) == likes) return true;
    }
  }
  return false;
}

class BridgeBackpressure : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StartStack({}, [](BridgeOptions* o) {
      o->max_buffered_bytes = kMaxBuffered;
      // The raw sockets answer no ping: on a slow (sanitized, loaded) run
      // the default 30 s interval would close a stalled one mid-test.
      o->ping_interval = absl::Hours(1);
    });
    ASSERT_NE(stack_, nullptr);
  }
  // A socket that watches every post and reads nothing unless told to.
  std::unique_ptr<RawSocket> StalledSubscriber() {
    auto raw = RawWebsocket(stack_->port(), /*rcvbuf=*/4096);
    EXPECT_TRUE(raw.ok()) << raw.status();
    if (!raw.ok()) return nullptr;
    EXPECT_TRUE(
        (*raw)->SendAll(MaskedTextFrame(SubscribeFrame(WatchAllPosts()))));
    return *std::move(raw);
  }
  bool WaitCongested(int sockets) {
    return WaitUntil(
        [&] {
          return stack_->bridge->Stats().congested_connections == sockets;
        },
        absl::Seconds(30));
  }
  // Records arrival times of the healthy socket's frames by polling.
  std::vector<absl::Time> WatchArrivals(WsConn* ws,
                                        absl::Duration for_how_long) {
    std::vector<absl::Time> arrivals;
    const absl::Time end = absl::Now() + for_how_long;
    while (absl::Now() < end) {
      const size_t n = ws->frames().size();
      while (arrivals.size() < n) arrivals.push_back(absl::Now());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return arrivals;
  }
  std::unique_ptr<Stack> stack_;
};

TEST_F(BridgeBackpressure,
       AStalledReaderStopsItsOwnStreamOnlyAndCatchesUpWhenItReads) {
  auto raw = RawWebsocket(stack_->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE(
      (*raw)->SendAll(MaskedTextFrame(SubscribeFrame(WatchAllPosts()))));
  WsClient client;
  std::shared_ptr<WsConn> healthy = WatchGlobal(&client, stack_->WsUri());
  ASSERT_NE(healthy, nullptr);
  Driver driver(stack_->server.get());

  // The bridge stops reading the stalled socket's stream ...
  ASSERT_TRUE(
      WaitUntil([&] { return stack_->bridge->Stats().paused_upstreams == 1; },
                absl::Seconds(30)))
      << "the stalled socket's stream was never paused";
  // ... while the healthy socket's updates keep coming, on time.
  const size_t from = healthy->frames().size();
  const int64_t rounds_before = driver.rounds();
  std::vector<absl::Time> arrivals(from, absl::InfinitePast());
  std::vector<absl::Time> more =
      WatchArrivals(healthy.get(), pulse::testing::Scaled(absl::Seconds(2)));
  arrivals.insert(arrivals.end(), more.begin() + std::min(from, more.size()),
                  more.end());
  const size_t got = healthy->frames().size() - from;
  EXPECT_GE(got, EnoughUpdates())
      << "the healthy socket starved (" << driver.rounds() - rounds_before
      << " batches ingested meanwhile)";
  const absl::Duration worst = WorstDelay(healthy.get(), from, arrivals);
  EXPECT_LT(worst, pulse::testing::Scaled(absl::Milliseconds(500)));
  EXPECT_EQ(stack_->bridge->Stats().paused_upstreams, 1);
  const BridgeStats stalled = stack_->bridge->Stats();
  // What the bridge queued for the stalled socket stayed near the bound.
  EXPECT_LT(stalled.max_buffered_seen,
            static_cast<int64_t>(kMaxBuffered + (256 << 10)));

  driver.Stop();
  ASSERT_TRUE(DrainUntilLikes(raw->get(), driver.rounds(), absl::Seconds(30)))
      << "the stalled socket never caught up to " << driver.rounds()
      << " likes";
  EXPECT_TRUE(
      WaitUntil([&] { return stack_->bridge->Stats().paused_upstreams == 0; },
                absl::Seconds(5)));
  std::printf(
      "[ metrics ] stalled reader: %zu healthy updates in %s, worst delay %s, "
      "max buffered %lld "
      "bytes (bound %zu), pauses %lld\n",
      got,
      absl::FormatDuration(pulse::testing::Scaled(absl::Seconds(2))).c_str(),
      absl::FormatDuration(worst).c_str(),
      static_cast<long long>(stalled.max_buffered_seen), kMaxBuffered,
      static_cast<long long>(stalled.pauses));
}

TEST_F(BridgeBackpressure,
       AStalledReaderOnASharedStreamSkipsUpdatesWithoutSlowingTheOthers) {
  const std::string params = WatchAllPosts();
  auto raw = RawWebsocket(stack_->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE((*raw)->SendAll(MaskedTextFrame(SubscribeFrame(params))));
  WsClient client;
  auto healthy = client.ConnectOpen(stack_->WsUri());
  ASSERT_NE(healthy, nullptr);
  ASSERT_GT(At(healthy->Call("Subscribe", params), "result.subscription")
                .number_value(),
            0);
  ASSERT_TRUE(WaitUntil([&] { return stack_->bridge->Stats().upstreams == 1; },
                        absl::Seconds(5)));
  Driver driver(stack_->server.get());

  ASSERT_TRUE(
      WaitUntil([&] { return stack_->bridge->Stats().updates_skipped >= 5; },
                absl::Seconds(30)))
      << "the stalled socket never skipped an update";
  const size_t from = healthy->frames().size();
  const int64_t rounds_before = driver.rounds();
  std::vector<absl::Time> arrivals(from, absl::InfinitePast());
  std::vector<absl::Time> more =
      WatchArrivals(healthy.get(), pulse::testing::Scaled(absl::Seconds(2)));
  arrivals.insert(arrivals.end(), more.begin() + std::min(from, more.size()),
                  more.end());
  EXPECT_GE(healthy->frames().size() - from, EnoughUpdates())
      << "the healthy socket starved (" << driver.rounds() - rounds_before
      << " batches ingested meanwhile)";
  EXPECT_LT(WorstDelay(healthy.get(), from, arrivals),
            pulse::testing::Scaled(absl::Milliseconds(500)));
  // The shared stream kept being read for the healthy socket.
  EXPECT_EQ(stack_->bridge->Stats().paused_upstreams, 0);
  EXPECT_LT(stack_->bridge->Stats().max_buffered_seen,
            static_cast<int64_t>(kMaxBuffered + (256 << 10)));

  driver.Stop();
  ASSERT_TRUE(DrainUntilLikes(raw->get(), driver.rounds(), absl::Seconds(30)));
  EXPECT_GE(stack_->bridge->Stats().catchups_sent, 1);
  // The healthy socket saw the final value too.
  EXPECT_EQ(healthy
                ->WaitFor([&](const Value& v) {
                  return LikesOfQ0(ToJson(v)) == driver.rounds();
                })
                .kind_case(),
            Value::kStructValue);
}

// A socket that sent nothing while it was congested is read as before once
// it drains. (websocketpp's resume_reading, which the bridge once used to
// stop reading a congested socket, then started a second read beside the one
// still pending, and a burst larger than its 16 KiB read buffer came out
// corrupted.)
TEST_F(BridgeBackpressure, ASocketThatDrainedAnswersEveryRequestOfABurst) {
  constexpr int kBurst = 100;
  std::unique_ptr<RawSocket> raw = StalledSubscriber();
  ASSERT_NE(raw, nullptr);
  {
    Driver driver(stack_->server.get());
    ASSERT_TRUE(WaitCongested(1)) << "the socket never got congested";
    driver.Stop();
    ASSERT_TRUE(DrainUntilLikes(raw.get(), driver.rounds(), absl::Seconds(30)));
  }
  ASSERT_TRUE(WaitCongested(0));

  // ~450 bytes each, in one write.
  std::string burst;
  for (int id = 1; id <= kBurst; ++id) burst += UnknownMethodRequest(id, 400);
  ASSERT_TRUE(raw->SendAll(burst));
  std::vector<int> ids;
  std::string buffer;
  const absl::Time deadline =
      absl::Now() + pulse::testing::Scaled(absl::Seconds(30));
  while (ids.size() < kBurst && absl::Now() < deadline) {
    buffer += raw->Read(absl::Milliseconds(50));
    for (const std::string& f : TakeFrames(&buffer)) {
      if (f.empty() || f[0] != '{') continue;  // a close frame
      const Value v = ParseJson(f);
      if (v.struct_value().fields().contains("id")) {
        ids.push_back(static_cast<int>(At(v, "id").number_value()));
      }
    }
  }
  std::vector<int> want;
  for (int id = 1; id <= kBurst; ++id) want.push_back(id);
  EXPECT_EQ(ids, want);
  EXPECT_EQ(stack_->bridge->Stats().connections, 1);
}

// A client that keeps sending requests while it does not read: their
// answers would only add to what it does not read, so it is closed.
TEST_F(BridgeBackpressure,
       AClientThatSendsMoreThanIsHeldWhileNotReadingIsClosed) {
  std::unique_ptr<RawSocket> raw = StalledSubscriber();
  ASSERT_NE(raw, nullptr);
  Driver driver(stack_->server.get());
  ASSERT_TRUE(WaitCongested(1)) << "the socket never got congested";
  std::string requests;
  for (int id = 2; id <= 2 + BridgeOptions().max_inflight_calls; ++id) {
    requests += UnknownMethodRequest(id);
  }
  ASSERT_TRUE(raw->SendAll(requests));
  EXPECT_TRUE(WaitUntil(
      [&] {
        const BridgeStats s = stack_->bridge->Stats();
        return s.closed_unread == 1 && s.connections == 0;
      },
      absl::Seconds(10)))
      << stack_->bridge->Stats().closed_unread << " closed";
}

// The global totals as 10,000 minute buckets (zeros included): an answer of
// about 330 KB of JSON.
std::string LargeSeriesParams() {
  return absl::StrCat(
      R"({"global":true,"startTime":")",
      absl::FormatTime(absl::RFC3339_sec, absl::Now() - absl::Minutes(9999),
                       absl::UTCTimeZone()),
      R"("})");
}

// The bridge's pulse_bridge_websocket_buffered_bytes, from its /metrics; -1
// if it cannot be read.
int64_t BufferedBytesMetric(int port) {
  absl::StatusOr<HttpResponse> r = HttpGet(port, "/metrics");
  if (!r.ok() || r->status != 200) return -1;
  const std::string name = "\npulse_bridge_websocket_buffered_bytes ";
  const size_t at = r->body.find(name);
  if (at == std::string::npos) return -1;
  return std::stoll(r->body.substr(at + name.size()));
}

// A client that sends many large requests at once and never reads: the calls
// all start before their answers fill its socket, and each answer once came
// back whatever the socket held (32 of 330 KB, none of it counted in the
// bridge's buffered bytes). The first answers take it over its bound (its
// next requests would wait), and an answer that finds more than twice the
// bound still queued closes it with 1008.
TEST(BridgeUnreadAnswers, AClientThatLeavesLargeAnswersUnreadIsClosed) {
  constexpr int64_t kBound = 256 << 10;
  auto stack =
      StartStack({}, [](BridgeOptions* o) { o->max_buffered_bytes = kBound; });
  ASSERT_NE(stack, nullptr);
  const std::string params = LargeSeriesParams();
  WsClient client;
  std::shared_ptr<WsConn> healthy = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(healthy, nullptr);
  ASSERT_EQ(At(healthy->Call("QueryTimeSeries", params), "result").kind_case(),
            Value::kStructValue);
  const auto answer = static_cast<int64_t>(healthy->frames().back().size());
  ASSERT_GT(answer, 300'000);

  auto raw = RawWebsocket(stack->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(raw.ok()) << raw.status();
  std::string burst;
  for (int id = 1; id <= BridgeOptions().max_inflight_calls; ++id) {
    burst += MaskedTextFrame(
        absl::StrCat(R"({"jsonrpc":"2.0","id":)", id,
                     R"(,"method":"QueryTimeSeries","params":)", params, "}"));
  }
  ASSERT_TRUE((*raw)->SendAll(burst));
  int64_t most = 0;
  // Each answer is a series the server computes and the bridge prints, 320 KB
  // of it: about 2 s for the four that close the socket here, but a CI run
  // under ASan, beside another test, took over 30 s.
  EXPECT_TRUE(WaitUntil(
      [&] {
        most = std::max(most, BufferedBytesMetric(stack->port()));
        const BridgeStats s = stack->bridge->Stats();
        return s.closed_unread == 1 && s.connections == 1;
      },
      absl::Seconds(120)))
      << "the socket that reads nothing was not closed; "
      << stack->bridge->Stats().max_buffered_seen << " bytes queued on it";
  EXPECT_LE(most, 2 * kBound + answer);
  EXPECT_LE(stack->bridge->Stats().max_buffered_seen, 2 * kBound + answer);
  EXPECT_TRUE((*raw)->WaitEof(absl::Seconds(10)));
  // Its part of the total is gone, and the other socket is served as before.
  EXPECT_TRUE(WaitUntil([&] { return BufferedBytesMetric(stack->port()) == 0; },
                        absl::Seconds(10)));
  // The closed socket's other calls are cancelled, but the server may be
  // computing some of them still, and this call waits its turn behind them:
  // it is asked again until answered.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return At(healthy->Call("QueryTimeSeries", params), "result")
                   .kind_case() == Value::kStructValue;
      },
      absl::Seconds(120)))
      << "the healthy socket was not served again";
  std::printf(
      "[ metrics ] %d unread answers of %lld bytes: at most %lld bytes "
      "counted (bound %lld), %lld queued on one socket\n",
      BridgeOptions().max_inflight_calls, static_cast<long long>(answer),
      static_cast<long long>(most), static_cast<long long>(kBound),
      static_cast<long long>(stack->bridge->Stats().max_buffered_seen));
}

// Several stalled readers together: each is held to its share of the
// bridge's total bound, far below its own, without holding back a healthy
// socket; each catches up when it reads again, and the total returns to 0
// once they are closed.
TEST(BridgeBufferBudget, StalledReadersTogetherStayNearTheTotalBound) {
  constexpr size_t kOwn = 1 << 20;      // each socket's own bound
  constexpr size_t kTotal = 256 << 10;  // all sockets together
  constexpr int kStalled = 4;
  // A share of kTotal / 8 = 32 KiB; a frame of 200 posts is about as large,
  // and a socket may take one more before it is held.
  constexpr int64_t kSlackPerSocket = 128 << 10;
  auto stack = StartStack({}, [](BridgeOptions* o) {
    o->max_buffered_bytes = kOwn;
    o->max_total_buffered_bytes = kTotal;
    o->max_connections = 8;
    o->ping_interval = absl::Hours(1);  // as in BridgeBackpressure
  });
  ASSERT_NE(stack, nullptr);
  std::vector<std::unique_ptr<RawSocket>> stalled;
  for (int i = 0; i < kStalled; ++i) {
    auto raw = RawWebsocket(stack->port(), /*rcvbuf=*/4096);
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_TRUE(
        (*raw)->SendAll(MaskedTextFrame(SubscribeFrame(WatchAllPosts()))));
    stalled.push_back(*std::move(raw));
  }
  WsClient client;
  std::shared_ptr<WsConn> healthy = WatchGlobal(&client, stack->WsUri());
  ASSERT_NE(healthy, nullptr);
  Driver driver(stack->server.get());

  ASSERT_TRUE(WaitUntil(
      [&] { return stack->bridge->Stats().congested_connections == kStalled; },
      absl::Seconds(60)))
      << "the stalled sockets were not all held back";
  // The healthy socket keeps getting its updates meanwhile.
  const size_t from = healthy->frames().size();
  EXPECT_TRUE(WaitUntil([&] { return healthy->frames().size() >= from + 10; },
                        absl::Seconds(10)))
      << "the healthy socket was held back too";
  const BridgeStats held = stack->bridge->Stats();
  EXPECT_GE(held.budget_holds, 1);
  EXPECT_EQ(held.congested_connections, kStalled);
  EXPECT_LE(held.buffered_bytes, kTotal + kStalled * kSlackPerSocket);
  EXPECT_LT(held.max_buffered_seen, static_cast<int64_t>(kOwn / 2));

  driver.Stop();
  for (auto& raw : stalled) {
    ASSERT_TRUE(DrainUntilLikes(raw.get(), driver.rounds(), absl::Seconds(30)))
        << "a stalled socket never caught up to " << driver.rounds()
        << " likes";
  }
  stalled.clear();
  EXPECT_TRUE(WaitUntil(
      [&] {
        const BridgeStats s = stack->bridge->Stats();
        return s.connections == 1 && s.buffered_bytes == 0;
      },
      absl::Seconds(10)))
      << stack->bridge->Stats().buffered_bytes << " bytes still counted";
  std::printf(
      "[ metrics ] %d stalled readers: buffered %lld bytes in all (bound "
      "%zu), at most %lld on one (own bound %zu), %lld budget holds\n",
      kStalled, static_cast<long long>(held.buffered_bytes), kTotal,
      static_cast<long long>(held.max_buffered_seen), kOwn,
      static_cast<long long>(held.budget_holds));
}

// The io threads fall behind (stalled here; a saturated machine in
// production): each socket has at most one update waiting for them, and gets
// the merged state, up to date, once they run.
TEST(BridgeSlowIoThreads, UpdatesForASocketWaitingOnItsIoThreadAreFolded) {
  // Before the stack: the stalling task refers to them until the io thread,
  // which the stack's end joins, has run it.
  absl::Notification stalled, release;
  auto stack = StartStack({}, [](BridgeOptions* o) { o->threads = 1; });
  ASSERT_NE(stack, nullptr);
  WsClient client;
  auto ws = client.ConnectOpen(stack->WsUri());
  ASSERT_NE(ws, nullptr);
  ASSERT_GT(At(ws->Call("Subscribe", WatchAllPosts()), "result.subscription")
                .number_value(),
            0);
  Driver driver(stack->server.get());
  ASSERT_TRUE(
      WaitUntil([&] { return stack->bridge->Stats().updates_sent >= 2; },
                absl::Seconds(10)));

  stack->bridge->PostForTesting([&] {
    stalled.Notify();
    release.WaitForNotificationWithTimeout(absl::Seconds(30));
  });
  ASSERT_TRUE(stalled.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // Updates keep coming every 50 ms meanwhile; all but one are folded.
  const bool folded =
      WaitUntil([&] { return stack->bridge->Stats().updates_folded >= 10; },
                absl::Seconds(30));
  release.Notify();
  ASSERT_TRUE(folded) << "updates were queued behind the stalled io thread";

  driver.Stop();
  EXPECT_EQ(ws->WaitFor([&](const Value& v) {
                return LikesOfQ0(ToJson(v)) == driver.rounds();
              }).kind_case(),
            Value::kStructValue);
  EXPECT_GE(stack->bridge->Stats().catchups_sent, 1);
}

}  // namespace
}  // namespace pulse::bridge::testing
