#include "clients/client.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/host_port.h"

namespace pulse {
namespace {

using Stub = v1::AnalyticsService::Stub;

// Sets a deadline `timeout` from now (none when infinite) and the token.
void PrepareContext(grpc::ClientContext* context, absl::Duration timeout,
                    const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  if (timeout == absl::InfiniteDuration()) return;
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ClientOptions& options) {
  if (options.credentials != nullptr) return options.credentials;
  if (options.tls_ca.empty()) return grpc::InsecureChannelCredentials();
  std::ifstream in(options.tls_ca);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in ||
      pem.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls_ca: no PEM certificate could be read from ", options.tls_ca));
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::SslCredentials(ssl);
}

// What each completion queue tag of an IngestStream stands for.
enum class StreamOp : intptr_t { kStart = 1, kWrite, kWritesDone, kFinish };

void* Tag(StreamOp op) {
  return reinterpret_cast<void*>(static_cast<intptr_t>(op));
}

}  // namespace

absl::StatusOr<std::string> TokenFromFileOrEnv(const std::string& token_file) {
  if (token_file.empty()) {
    // `export PULSE_TOKEN=$(cat file)` keeps a CRLF file's '\r'.
    const char* env = std::getenv("PULSE_TOKEN");
    return std::string(absl::StripAsciiWhitespace(env == nullptr ? "" : env));
  }
  std::ifstream in(token_file);
  std::string token;
  if (!in || !std::getline(in, token)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--token_file: cannot read a token from ", token_file));
  }
  token = std::string(absl::StripAsciiWhitespace(token));
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--token_file: ", token_file, " starts with an empty line"));
  }
  return token;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share the canonical numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

IngestStream::IngestStream(Stub* stub, absl::Duration deadline,
                           const std::string& token) {
  PrepareContext(&context_, deadline, token);
  writer_ = stub->PrepareAsyncIngestStream(&context_, &response_, &cq_);
  writer_->StartCall(Tag(StreamOp::kStart));
  // Receives the response and status whenever they come, while batches go
  // out; the sending side is closed by WritesDone in Finish.
  writer_->Finish(&status_, Tag(StreamOp::kFinish));
}

IngestStream::~IngestStream() {
  if (starting_ || writing_ || closing_ || awaiting_status_) {
    context_.TryCancel();
    while (starting_ || writing_ || closing_ || awaiting_status_) Next(true);
  }
  cq_.Shutdown();
  void* tag;
  bool ok;
  while (cq_.Next(&tag, &ok)) {
  }
}

bool IngestStream::Next(bool block) {
  void* tag = nullptr;
  bool ok = false;
  if (block) {
    if (!cq_.Next(&tag, &ok)) return false;
  } else if (cq_.AsyncNext(&tag, &ok, gpr_time_0(GPR_CLOCK_MONOTONIC)) !=
             grpc::CompletionQueue::GOT_EVENT) {
    return false;
  }
  switch (static_cast<StreamOp>(reinterpret_cast<intptr_t>(tag))) {
    case StreamOp::kStart:
      starting_ = false;
      started_ = ok;
      break;
    case StreamOp::kWrite:
      writing_ = false;
      written_ = ok;
      break;
    case StreamOp::kWritesDone:
      closing_ = false;
      break;
    case StreamOp::kFinish:
      awaiting_status_ = false;
      break;
  }
  return true;
}

bool IngestStream::Write(const v1::IngestRequest& batch) {
  if (broken_ || finish_called_) return false;
  while (starting_) Next(true);
  while (Next(false)) {
  }
  if (started_ && awaiting_status_) {
    writing_ = true;
    writer_->Write(batch, Tag(StreamOp::kWrite));
    while (writing_) Next(true);
    while (Next(false)) {
    }
  }
  // A status that came back while the batch went out ends the call too:
  // the server may not have read the batch.
  broken_ = !(started_ && written_ && awaiting_status_);
  return !broken_;
}

absl::StatusOr<v1::IngestStreamResponse> IngestStream::Finish() {
  if (!finish_called_) {
    finish_called_ = true;
    while (starting_) Next(true);
    if (started_ && awaiting_status_) {
      // Fails harmlessly when the stream is already broken.
      closing_ = true;
      writer_->WritesDone(Tag(StreamOp::kWritesDone));
    }
    while (closing_ || awaiting_status_) Next(true);
  }
  absl::Status status = FromGrpcStatus(status_);
  if (!status.ok()) return status;
  return response_;
}

void SubscribeHandle::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool SubscribeHandle::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool SubscribeHandle::Attach(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

void SubscribeHandle::Detach() {
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const std::string& target, ClientOptions options) {
  // HOST:PORT, checked: gRPC would take a missing port for 443 and wrap one
  // above 65535. A target URI ("dns:///host:port", "unix:/path") is gRPC's.
  if (target.find('/') == std::string::npos) {
    absl::StatusOr<server::HostPort> address =
        server::ParseHostPort(target, "--server");
    if (!address.ok()) return address.status();
  }
  // gRPC aborts the process on a metadata value it cannot send, after
  // logging it: the token.
  for (size_t i = 0; i < options.token.size(); ++i) {
    const char c = options.token[i];
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token: byte ", i,
          " is not printable ASCII; a token is printable ASCII only"));
    }
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(target, *credentials);
  if (channel == nullptr) {
    return absl::InvalidArgumentError("cannot create a channel to " + target);
  }
  return std::make_unique<Client>(std::move(channel), std::move(options));
}

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : options_(std::move(options)),
      stub_(v1::AnalyticsService::NewStub(channel)),
      admin_stub_(v1::AdminService::NewStub(channel)) {}

void Client::PrepareUnary(grpc::ClientContext* context) const {
  Prepare(context, options_.deadline);
}

void Client::Prepare(grpc::ClientContext* context,
                     absl::Duration timeout) const {
  PrepareContext(context, timeout, options_.token);
}

namespace {

// Runs one unary RPC through `method` of `stub`.
template <typename AnyStub, typename Request, typename Response>
absl::StatusOr<Response> CallUnary(
    AnyStub* stub,
    grpc::Status (AnyStub::*method)(grpc::ClientContext*, const Request&,
                                    Response*),
    grpc::ClientContext* context, const Request& request) {
  Response response;
  absl::Status status =
      FromGrpcStatus((stub->*method)(context, request, &response));
  if (!status.ok()) return status;
  return response;
}

}  // namespace

absl::StatusOr<v1::IngestResponse> Client::Ingest(
    const v1::IngestRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::Ingest, &context, request);
}

absl::StatusOr<v1::PostStats> Client::GetPostStats(
    const v1::GetPostStatsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::GetPostStats, &context, request);
}

absl::StatusOr<v1::BatchGetPostStatsResponse> Client::BatchGetPostStats(
    const v1::BatchGetPostStatsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::BatchGetPostStats, &context, request);
}

absl::StatusOr<v1::AccountStats> Client::GetAccountStats(
    const v1::GetAccountStatsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::GetAccountStats, &context, request);
}

absl::StatusOr<v1::HashtagStats> Client::GetHashtagStats(
    const v1::GetHashtagStatsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::GetHashtagStats, &context, request);
}

absl::StatusOr<v1::GlobalStats> Client::GetGlobalStats(
    const v1::GetGlobalStatsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::GetGlobalStats, &context, request);
}

absl::StatusOr<v1::QueryTimeSeriesResponse> Client::QueryTimeSeries(
    const v1::QueryTimeSeriesRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::QueryTimeSeries, &context, request);
}

absl::StatusOr<v1::TopPostsResponse> Client::TopPosts(
    const v1::TopPostsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::TopPosts, &context, request);
}

absl::StatusOr<v1::TrendingHashtagsResponse> Client::TrendingHashtags(
    const v1::TrendingHashtagsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(stub_.get(), &Stub::TrendingHashtags, &context, request);
}

using AdminStub = v1::AdminService::Stub;

absl::StatusOr<v1::BackupInfo> Client::CreateBackup(
    const v1::CreateBackupRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, options_.long_deadline);
  return CallUnary(admin_stub_.get(), &AdminStub::CreateBackup, &context,
                   request);
}

absl::StatusOr<v1::ListBackupsResponse> Client::ListBackups(
    const v1::ListBackupsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(admin_stub_.get(), &AdminStub::ListBackups, &context,
                   request);
}

absl::StatusOr<v1::CompactResponse> Client::Compact(
    const v1::CompactRequest& request) {
  grpc::ClientContext context;
  Prepare(&context, options_.long_deadline);
  return CallUnary(admin_stub_.get(), &AdminStub::Compact, &context, request);
}

absl::StatusOr<v1::StorageStats> Client::GetStorageStats(
    const v1::GetStorageStatsRequest& request) {
  grpc::ClientContext context;
  PrepareUnary(&context);
  return CallUnary(admin_stub_.get(), &AdminStub::GetStorageStats, &context,
                   request);
}

std::unique_ptr<IngestStream> Client::StartIngestStream(
    absl::Duration deadline) {
  return std::unique_ptr<IngestStream>(
      new IngestStream(stub_.get(), deadline, options_.token));
}

absl::Status Client::Subscribe(const v1::SubscribeRequest& request,
                               const UpdateCallback& on_update,
                               SubscribeHandle* handle) {
  grpc::ClientContext context;
  Prepare(&context, absl::InfiniteDuration());
  if (handle != nullptr && !handle->Attach(&context)) return absl::OkStatus();
  std::unique_ptr<grpc::ClientReader<v1::Update>> reader =
      stub_->Subscribe(&context, request);
  bool stopped_by_callback = false;
  v1::Update update;
  while (reader->Read(&update)) {
    if (!on_update(update)) {
      stopped_by_callback = true;
      context.TryCancel();
      // Finish needs every incoming message read; after the cancel the
      // remaining reads end quickly.
      while (reader->Read(&update)) {
      }
      break;
    }
  }
  grpc::Status status = reader->Finish();
  bool cancelled_by_handle = false;
  if (handle != nullptr) {
    cancelled_by_handle = handle->cancelled();
    handle->Detach();
  }
  if (stopped_by_callback || cancelled_by_handle) return absl::OkStatus();
  return FromGrpcStatus(status);
}

}  // namespace pulse
