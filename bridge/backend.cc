#include "bridge/backend.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/proto_buffer_reader.h"

namespace pulse::bridge {
namespace {

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

struct Backend::HealthCall {
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  std::function<void(bool serving)> done;
};

struct Backend::UnaryCall {
  grpc::ClientContext ctx;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  std::unique_ptr<google::protobuf::Message> response_message;
  std::function<void(
      absl::StatusOr<std::unique_ptr<google::protobuf::Message>>)>
      done;
};

Backend::Backend(const std::string& address, const BackendOptions& options,
                 const std::string& root_certs_pem)
    : call_timeout_(options.call_timeout),
      health_timeout_(options.health_timeout) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC takes it as the minimum
  // connect timeout too, and a server slower than that to send its SETTINGS
  // frame (a loaded or instrumented one) would never be connected to.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // gRPC grows a stream's window to megabytes by probing the bandwidth-delay
  // product. On a Subscribe stream that is megabytes of updates queued in
  // transit whenever the bridge falls behind, seconds old when read, and
  // the server, whose writes still complete, never merges them. A fixed
  // small window makes its writes wait instead (pulse-bench fanout, 2,000
  // sockets: visibility p50 2.1-4.5 s -> 0.4 s). A message larger than the
  // window still arrives, a window at a time.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, options.window_bytes);
  // Without keepalive a server that hangs (or a peer gone without a FIN)
  // leaves every Subscribe stream open forever and the browsers never learn
  // that their updates stopped. Pings go out on idle connections too, and
  // without data between them (the defaults would stop after two), no more
  // often than keepalive_time, which must not be shorter than the server's
  // --min_client_ping_interval.
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(
      GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (root_certs_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = root_certs_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  channel_ = grpc::CreateCustomChannel(address, credentials, args);
  generic_ = std::make_unique<grpc::GenericStub>(channel_);
  health_ = grpc::health::v1::Health::NewStub(channel_);
  subscribe_stubs_.push_back(v1::AnalyticsService::NewStub(channel_));
  // Channels with the same arguments share one connection (gRPC's global
  // subchannel pool); a local pool gives each its own. One connection
  // carries its streams' frames through one lock on each side: at 10,000
  // Subscribe streams, writing them was ~15 % of the server on one thread.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  for (int i = 1; i < options.subscribe_connections; ++i) {
    subscribe_stubs_.push_back(v1::AnalyticsService::NewStub(
        grpc::CreateCustomChannel(address, credentials, args)));
  }
}

Backend::~Backend() = default;

void Backend::AddAuth(const std::string& token, grpc::ClientContext* ctx) {
  if (!token.empty())
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

void Backend::CallUnary(
    const std::string& path, const google::protobuf::Message& request,
    std::unique_ptr<google::protobuf::Message> response,
    const std::string& token, uint64_t owner,
    std::function<
        void(absl::StatusOr<std::unique_ptr<google::protobuf::Message>>)>
        done) {
  auto shared = std::make_shared<UnaryCall>();
  UnaryCall* call = shared.get();  // alive until EndCall
  if (!BeginCall({shared, &call->ctx}, owner)) {
    done(absl::UnavailableError("the bridge is shutting down"));
    return;
  }
  call->done = std::move(done);
  call->response_message = std::move(response);
  call->ctx.set_deadline(DeadlineAfter(call_timeout_));
  AddAuth(token, &call->ctx);
  const std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  call->request = grpc::ByteBuffer(&slice, 1);
  generic_->UnaryCall(
      &call->ctx, path, grpc::StubOptions(), &call->request, &call->response,
      [this, call](grpc::Status status) {
        if (status.ok()) {
          grpc::ProtoBufferReader reader(&call->response);
          if (!call->response_message->ParseFromZeroCopyStream(&reader)) {
            status = grpc::Status(grpc::StatusCode::INTERNAL,
                                  "cannot parse the server's response");
          }
        }
        {
          // `done` may hold a websocket connection: it must be gone before
          // EndCall() counts the call out and shutdown tears down the
          // sockets' io_context.
          auto done = std::move(call->done);
          if (status.ok()) {
            done(std::move(call->response_message));
          } else {
            done(FromGrpc(status));
          }
        }
        EndCall(&call->ctx);
      });
}

void Backend::CheckHealth(std::function<void(bool serving)> done) {
  auto shared = std::make_shared<HealthCall>();
  HealthCall* call = shared.get();  // alive until EndCall
  if (!BeginCall({shared, &call->ctx})) {
    done(false);
    return;
  }
  call->done = std::move(done);
  call->ctx.set_deadline(DeadlineAfter(health_timeout_));
  health_->async()->Check(
      &call->ctx, &call->request, &call->response,
      [this, call](grpc::Status status) {
        {
          // Gone before the call is counted out: see CallUnary.
          auto done = std::move(call->done);
          done(status.ok() &&
               call->response.status() ==
                   grpc::health::v1::HealthCheckResponse::SERVING);
        }
        EndCall(&call->ctx);
      });
}

bool Backend::BeginCall(std::shared_ptr<grpc::ClientContext> ctx,
                        uint64_t owner) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  grpc::ClientContext* key = ctx.get();
  calls_.emplace(key, Tracked{owner, std::move(ctx)});
  ++live_;
  return true;
}

void Backend::EndCall(grpc::ClientContext* ctx) {
  absl::MutexLock lock(&mu_);
  // Deletes the call, unless a cancel holds it, before WaitIdle could return.
  calls_.erase(ctx);
  --live_;
}

bool Backend::BeginStream() {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  ++live_;
  return true;
}

void Backend::EndStream() {
  absl::MutexLock lock(&mu_);
  --live_;
}

void Backend::Stop() {
  CancelWhere([](const Tracked&) { return true; }, /*stop=*/true);
}

void Backend::CancelCalls(uint64_t owner) {
  if (owner == 0) return;
  CancelWhere([owner](const Tracked& t) { return t.owner == owner; },
              /*stop=*/false);
}

void Backend::CancelWhere(const std::function<bool(const Tracked&)>& which,
                          bool stop) {
  std::vector<std::shared_ptr<grpc::ClientContext>> picked;
  {
    absl::MutexLock lock(&mu_);
    if (stop) stopping_ = true;
    for (const auto& [key, tracked] : calls_) {
      if (which(tracked)) picked.push_back(tracked.ctx);
    }
    if (picked.empty()) return;
    ++live_;
  }
  for (const auto& ctx : picked) ctx->TryCancel();
  picked.clear();  // deletes the calls that ended meanwhile
  absl::MutexLock lock(&mu_);
  --live_;
}

int Backend::calls_in_flight() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(calls_.size());
}

bool Backend::WaitIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return live_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

}  // namespace pulse::bridge
