// Server reflection, as grpcurl uses it: list the services, then fetch the
// file descriptors that describe them. Debian has no grpcurl, so this test
// speaks the reflection protocol itself with dynamic messages.
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace pulse::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

constexpr char kMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// One reflection stream over a generic (untyped) call.
class ReflectionClient {
 public:
  explicit ReflectionClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(std::move(channel)) {
    // Linking grpc++_reflection registers the reflection messages in the
    // generated pool; this call keeps the linker from dropping the library.
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    const DescriptorPool* pool = DescriptorPool::generated_pool();
    request_type_ = pool->FindMessageTypeByName(
        "grpc.reflection.v1alpha.ServerReflectionRequest");
    response_type_ = pool->FindMessageTypeByName(
        "grpc.reflection.v1alpha.ServerReflectionResponse");
    ctx_.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    call_ = stub_.PrepareCall(&ctx_, kMethod, &cq_);
    call_->StartCall(Tag(1));
    Await(1);
  }

  ~ReflectionClient() {
    call_->WritesDone(Tag(2));
    Await(2);
    grpc::Status status;
    call_->Finish(&status, Tag(3));
    Await(3);
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  bool ready() const {
    return request_type_ != nullptr && response_type_ != nullptr;
  }

  // Sends a request with one string field set and returns the response.
  std::unique_ptr<Message> Ask(const std::string& field,
                               const std::string& value) {
    std::unique_ptr<Message> request(Prototype(request_type_)->New());
    request->GetReflection()->SetString(
        request.get(), request_type_->FindFieldByName(field), value);
    std::string bytes = request->SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer out(&slice, 1);
    call_->Write(out, Tag(4));
    EXPECT_TRUE(Await(4));
    grpc::ByteBuffer in;
    call_->Read(&in, Tag(5));
    EXPECT_TRUE(Await(5));
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(in.Dump(&slices).ok());
    std::string data;
    for (const grpc::Slice& s : slices) data.append(s.begin(), s.end());
    std::unique_ptr<Message> response(Prototype(response_type_)->New());
    EXPECT_TRUE(response->ParseFromString(data));
    return response;
  }

 private:
  static void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }
  static const Message* Prototype(const Descriptor* d) {
    return MessageFactory::generated_factory()->GetPrototype(d);
  }
  bool Await(intptr_t expected) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq_.Next(&tag, &ok));
    EXPECT_EQ(tag, Tag(expected));
    return ok;
  }

  grpc::GenericStub stub_;
  grpc::ClientContext ctx_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  const Descriptor* request_type_ = nullptr;
  const Descriptor* response_type_ = nullptr;
};

// The service names of a list_services answer.
std::vector<std::string> ServiceNames(const Message& response) {
  const auto* r = response.GetReflection();
  const Message& list = r->GetMessage(
      response,
      response.GetDescriptor()->FindFieldByName("list_services_response"));
  const auto* lr = list.GetReflection();
  const auto* service_field = list.GetDescriptor()->FindFieldByName("service");
  std::vector<std::string> names;
  for (int i = 0; i < lr->FieldSize(list, service_field); ++i) {
    const Message& s = lr->GetRepeatedMessage(list, service_field, i);
    names.push_back(s.GetReflection()->GetString(
        s, s.GetDescriptor()->FindFieldByName("name")));
  }
  return names;
}

// The files of a file_descriptor_response answer.
std::vector<FileDescriptorProto> Files(const Message& response) {
  const auto* r = response.GetReflection();
  const auto* field =
      response.GetDescriptor()->FindFieldByName("file_descriptor_response");
  if (!r->HasField(response, field)) return {};
  const Message& fd = r->GetMessage(response, field);
  const auto* bytes_field =
      fd.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  std::vector<FileDescriptorProto> files;
  for (int i = 0; i < fd.GetReflection()->FieldSize(fd, bytes_field); ++i) {
    FileDescriptorProto file;
    EXPECT_TRUE(file.ParseFromString(
        fd.GetReflection()->GetRepeatedString(fd, bytes_field, i)));
    files.push_back(file);
  }
  return files;
}

bool DescribesService(const std::vector<FileDescriptorProto>& files,
                      const std::string& package, const std::string& service,
                      const std::string& method) {
  for (const FileDescriptorProto& f : files) {
    if (f.package() != package) continue;
    for (const auto& s : f.service()) {
      if (s.name() != service) continue;
      for (const auto& m : s.method()) {
        if (m.name() == method) return true;
      }
    }
  }
  return false;
}

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start(dir_.path() + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ReflectionTest, ListsTheAnalyticsAdminHealthAndReflectionServices) {
  ReflectionClient client(server_->channel());
  ASSERT_TRUE(client.ready());
  const std::vector<std::string> names =
      ServiceNames(*client.Ask("list_services", "*"));
  for (const char* expected :
       {"pulse.v1.AnalyticsService", "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end())
        << expected;
  }
}

TEST_F(ReflectionTest, DescribesTheAnalyticsService) {
  ReflectionClient client(server_->channel());
  ASSERT_TRUE(client.ready());
  const auto files =
      Files(*client.Ask("file_containing_symbol", "pulse.v1.AnalyticsService"));
  for (const char* method :
       {"Ingest", "IngestStream", "GetPostStats", "BatchGetPostStats",
        "GetAccountStats", "QueryTimeSeries", "TopPosts", "TrendingHashtags",
        "Subscribe"}) {
    EXPECT_TRUE(DescribesService(files, "pulse.v1", "AnalyticsService", method))
        << method;
  }
}

TEST_F(ReflectionTest, DescribesTheAdminService) {
  ReflectionClient client(server_->channel());
  ASSERT_TRUE(client.ready());
  const auto files =
      Files(*client.Ask("file_containing_symbol", "pulse.v1.AdminService"));
  for (const char* method :
       {"CreateBackup", "ListBackups", "Compact", "GetStorageStats"}) {
    EXPECT_TRUE(DescribesService(files, "pulse.v1", "AdminService", method))
        << method;
  }
}

TEST_F(ReflectionTest, DescribesTheHealthService) {
  ReflectionClient client(server_->channel());
  ASSERT_TRUE(client.ready());
  const auto files =
      Files(*client.Ask("file_containing_symbol", "grpc.health.v1.Health"));
  EXPECT_TRUE(DescribesService(files, "grpc.health.v1", "Health", "Check"));
}

}  // namespace
}  // namespace pulse::testing
