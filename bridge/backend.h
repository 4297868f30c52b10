// The bridge's gRPC channels to pulse-server: unary calls by method path
// with serialized messages (grpc::GenericStub, callback API), the Subscribe
// stubs, health checks, and the bookkeeping that lets shutdown cancel every
// call and wait for all of them to end. Knows nothing of websockets or JSON.
#ifndef PULSE_BRIDGE_BACKEND_H_
#define PULSE_BRIDGE_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "pulse/v1/analytics.grpc.pb.h"

namespace pulse::bridge {

// The gRPC status as an absl::Status (the two share their code numbering).
absl::Status FromGrpc(const grpc::Status& status);

struct BackendOptions {
  // Deadline of each unary call.
  absl::Duration call_timeout = absl::Seconds(10);
  // Largest response accepted.
  int max_message_bytes = 16 << 20;
  // Each stream's HTTP/2 flow-control window (fixed: no BDP probing).
  int window_bytes = 32 << 10;
  // HTTP/2 connections that Subscribe streams are dealt to.
  int subscribe_connections = 4;
  // Every connection is pinged after keepalive_time without activity and
  // closed, failing its calls and streams, when a ping is not answered
  // within keepalive_timeout.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Deadline of each health check (`/healthz`).
  absl::Duration health_timeout = absl::Seconds(2);
};

// Thread-safe.
class Backend {
 public:
  // Creates the channels (they connect lazily and reconnect by themselves,
  // with a short backoff so that a restarted server is found again quickly):
  // one for unary calls and health checks, and
  // `options.subscribe_connections`, each its own HTTP/2 connection, that
  // Subscribe streams are dealt to (the first shares the unary calls'
  // connection). With `root_certs_pem` (PEM) the channels speak TLS and
  // trust only those roots; empty, plaintext.
  Backend(const std::string& address, const BackendOptions& options,
          const std::string& root_certs_pem);
  // Requires that WaitIdle() returned true (no call is left).
  ~Backend();

  // Calls `path` with `request`; `done` gets the response parsed into
  // `response` (its type is the method's output type) or the call's status.
  // Runs `done` exactly once, on a gRPC thread (or inline if stopping). Never
  // blocks. `token`, when not empty, goes as "authorization: Bearer <token>".
  // `owner` (not 0) names who made the call, for CancelCalls.
  void CallUnary(
      const std::string& path, const google::protobuf::Message& request,
      std::unique_ptr<google::protobuf::Message> response,
      const std::string& token, uint64_t owner,
      std::function<
          void(absl::StatusOr<std::unique_ptr<google::protobuf::Message>>)>
          done);

  // Cancels the unary calls `owner` made that are still in flight (their
  // `done` gets CANCELLED), as Stop() does every call: a websocket that
  // closed reads no answer, and the server need not compute them ahead of
  // other clients' calls.
  void CancelCalls(uint64_t owner);

  // Unary calls and health checks in flight.
  int calls_in_flight() const;

  // Asks grpc.health.v1.Health/Check (the server as a whole); `done` gets true
  // for SERVING, on a gRPC thread (or inline, false, if stopping). Never
  // blocks. Like CallUnary, `done` is destroyed before the call counts out of
  // WaitIdle(), so it may own objects that must not outlive the bridge.
  void CheckHealth(std::function<void(bool serving)> done);

  // The Subscribe stub of stream `n` (the streams are dealt round the
  // connections by n); streams started on it must be registered with
  // BeginStream/EndStream so that shutdown can wait for them.
  v1::AnalyticsService::Stub* subscribe_stub(uint64_t n) {
    return subscribe_stubs_[n % subscribe_stubs_.size()].get();
  }
  // Adds the auth metadata to a call's context.
  static void AddAuth(const std::string& token, grpc::ClientContext* ctx);

  // Counts a stream in; false when stopping (then it must not be started).
  bool BeginStream();
  // Counts a stream out (from its OnDone).
  void EndStream();

  // Cancels every unary call and health check in flight and refuses new ones
  // (they complete with UNAVAILABLE, or not serving). Streams are cancelled by
  // their owners.
  void Stop();
  // Waits until no call or stream is left; false after `timeout`.
  bool WaitIdle(absl::Duration timeout);

 private:
  struct UnaryCall;
  struct HealthCall;
  // A call in flight: who made it (0 for none), and its context, shared so
  // that a cancel outside the lock keeps it alive.
  struct Tracked {
    uint64_t owner;
    std::shared_ptr<grpc::ClientContext> ctx;
  };
  // Counts a unary call or health check in (WaitIdle) and lets Stop() (and
  // CancelCalls(owner), when not 0) cancel it; false, with nothing counted,
  // when stopping. `ctx` shares the ownership of its call.
  bool BeginCall(std::shared_ptr<grpc::ClientContext> ctx, uint64_t owner = 0);
  // Counts the call of `ctx` out and lets it go. Its callback must be gone
  // already.
  void EndCall(grpc::ClientContext* ctx);
  // Cancels the calls that `which` picks, outside the lock: TryCancel calls
  // into gRPC, which takes its own locks and may run its work on this
  // thread, while EndCall takes ours from gRPC's threads; holding ours across
  // it risks a cycle. Counted in (WaitIdle) meanwhile, since it holds calls
  // alive.
  void CancelWhere(const std::function<bool(const Tracked&)>& which, bool stop);

  const absl::Duration call_timeout_;
  const absl::Duration health_timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> generic_;
  // One per connection; the channels are owned by their stubs.
  std::vector<std::unique_ptr<v1::AnalyticsService::Stub>> subscribe_stubs_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Unary calls and health checks in flight, for Stop() and CancelCalls() to
  // cancel.
  absl::flat_hash_map<grpc::ClientContext*, Tracked> calls_
      ABSL_GUARDED_BY(mu_);
  int live_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_BACKEND_H_
