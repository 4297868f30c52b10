// pulse_client: a small C++ client of pulse.v1.AnalyticsService, plus the
// pieces the `pulse` command-line tool is built from (JSON-lines input,
// batching, table output).
//
// It knows only the gRPC contract (protos/pulse/v1/analytics.proto): never
// the server's code, its storage or RocksDB.
#ifndef PULSE_CLIENTS_CLIENT_H_
#define PULSE_CLIENTS_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pulse/v1/admin.grpc.pb.h"
#include "pulse/v1/analytics.grpc.pb.h"

namespace pulse {

// How a Client connects and calls.
struct ClientOptions {
  // The deadline of each unary call; streams take their own.
  absl::Duration deadline = absl::Seconds(10);
  // The deadline of the admin calls that copy or rewrite the database
  // (CreateBackup, Compact), which may take minutes.
  absl::Duration long_deadline = absl::Hours(1);
  // The channel's credentials; null means TLS when `tls_ca` is set, else a
  // plaintext (insecure) channel.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // PEM file of the CA that signed the server's certificate: the channel
  // speaks TLS and checks the server against it.
  std::string tls_ca;
  // Sent as `authorization: Bearer TOKEN` metadata on every call; empty:
  // none (a server with auth on answers UNAUTHENTICATED).
  std::string token;
};

// The token a command-line tool sends: the first line of `token_file` (flag
// --token_file), else $PULSE_TOKEN, else none (empty). Tokens never come from
// the command line itself, where ps would show them. Leading and trailing
// whitespace is dropped. INVALID_ARGUMENT when the file cannot be read or
// starts with an empty line.
absl::StatusOr<std::string> TokenFromFileOrEnv(const std::string& token_file);

// Converts a gRPC status to an absl::Status with the same code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

// A client-streaming IngestStream call: many batches, one summary.
// Used from one thread at a time, which also runs the call's completion
// queue: no thread of its own.
class IngestStream {
 public:
  IngestStream(const IngestStream&) = delete;
  IngestStream& operator=(const IngestStream&) = delete;
  // Cancels the call if Finish has not been called, and waits for it to end.
  ~IngestStream();

  // Sends one batch; may block on flow control. False once the call is
  // over (the server has answered, or the stream broke), after which only
  // Finish is useful (it says why): gRPC's own ClientWriter::Write goes on
  // taking batches after the server has ended the call.
  bool Write(const v1::IngestRequest& batch);

  // Closes the sending side and waits for the server's summary or error.
  // Call exactly once; Write must not be called afterwards.
  absl::StatusOr<v1::IngestStreamResponse> Finish();

 private:
  friend class Client;
  IngestStream(v1::AnalyticsService::Stub* stub, absl::Duration deadline,
               const std::string& token);

  // Waits for the next event of the call; with `block` false, only takes
  // one that is already there. False when there was none.
  bool Next(bool block);

  // Declared first, destroyed last: the call (in context_) goes before it.
  grpc::CompletionQueue cq_;
  grpc::ClientContext context_;
  v1::IngestStreamResponse response_;
  grpc::Status status_;
  std::unique_ptr<grpc::ClientAsyncWriterInterface<v1::IngestRequest>> writer_;
  // Operations under way; the status is asked for as the call starts, so
  // that its arrival is seen by the next Write.
  bool starting_ = true;
  bool writing_ = false;
  bool closing_ = false;
  bool awaiting_status_ = true;
  // Whether the start and the last write went through.
  bool started_ = false;
  bool written_ = false;
  // A Write has failed: the next ones fail at once.
  bool broken_ = false;
  bool finish_called_ = false;
};

// Cancels a running Subscribe from any thread. Cancel before the call starts
// makes the call end at once; a handle serves one call at a time.
class SubscribeHandle {
 public:
  // Ends the subscription it is attached to (now, or as soon as it starts).
  void Cancel();

  // True once Cancel has been called.
  bool cancelled() const;

 private:
  friend class Client;
  // Attaches the running call's context; returns false when already cancelled.
  bool Attach(grpc::ClientContext* context);
  // Detaches the context before it is destroyed.
  void Detach();

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// A connection to a pulse-server (its AnalyticsService and AdminService).
// Thread-safe: calls may run concurrently.
class Client {
 public:
  // Receives each Update of a subscription, on the calling thread of
  // Subscribe; returning false ends the subscription.
  using UpdateCallback = std::function<bool(const v1::Update&)>;

  // Opens a channel to `target` ("host:port"). The channel connects lazily,
  // so an unreachable server shows up as UNAVAILABLE on the first call.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(
      const std::string& target, ClientOptions options = {});

  // Builds a client on an existing channel (e.g. an in-process one).
  Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options);

  // The unary RPCs: each blocks until the answer, an error or the deadline.
  absl::StatusOr<v1::IngestResponse> Ingest(const v1::IngestRequest& request);
  absl::StatusOr<v1::PostStats> GetPostStats(
      const v1::GetPostStatsRequest& request);
  absl::StatusOr<v1::BatchGetPostStatsResponse> BatchGetPostStats(
      const v1::BatchGetPostStatsRequest& request);
  absl::StatusOr<v1::AccountStats> GetAccountStats(
      const v1::GetAccountStatsRequest& request);
  absl::StatusOr<v1::HashtagStats> GetHashtagStats(
      const v1::GetHashtagStatsRequest& request);
  absl::StatusOr<v1::GlobalStats> GetGlobalStats(
      const v1::GetGlobalStatsRequest& request);
  absl::StatusOr<v1::QueryTimeSeriesResponse> QueryTimeSeries(
      const v1::QueryTimeSeriesRequest& request);
  absl::StatusOr<v1::TopPostsResponse> TopPosts(
      const v1::TopPostsRequest& request);
  absl::StatusOr<v1::TrendingHashtagsResponse> TrendingHashtags(
      const v1::TrendingHashtagsRequest& request);

  // The AdminService RPCs. CreateBackup and Compact take
  // ClientOptions::long_deadline, the others the default deadline.
  absl::StatusOr<v1::BackupInfo> CreateBackup(
      const v1::CreateBackupRequest& request);
  absl::StatusOr<v1::ListBackupsResponse> ListBackups(
      const v1::ListBackupsRequest& request);
  absl::StatusOr<v1::CompactResponse> Compact(
      const v1::CompactRequest& request);
  absl::StatusOr<v1::StorageStats> GetStorageStats(
      const v1::GetStorageStatsRequest& request);

  // Starts an IngestStream call; `deadline` bounds the whole call
  // (infinite by default, as a stream may run for long).
  std::unique_ptr<IngestStream> StartIngestStream(
      absl::Duration deadline = absl::InfiniteDuration());

  // Subscribes and blocks, passing each Update to `on_update`, until the
  // server ends the stream, the callback returns false or `handle` (may be
  // null) is cancelled. Returns OK when ended by the callback or the handle,
  // else the stream's final status (UNIMPLEMENTED from a server without it).
  absl::Status Subscribe(const v1::SubscribeRequest& request,
                         const UpdateCallback& on_update,
                         SubscribeHandle* handle = nullptr);

 private:
  // Prepares `context` for a unary call with the default deadline.
  void PrepareUnary(grpc::ClientContext* context) const;
  // Adds the token (if any) and a deadline `timeout` from now (none when
  // infinite).
  void Prepare(grpc::ClientContext* context, absl::Duration timeout) const;

  ClientOptions options_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
  std::unique_ptr<v1::AdminService::Stub> admin_stub_;
};

}  // namespace pulse

#endif  // PULSE_CLIENTS_CLIENT_H_
