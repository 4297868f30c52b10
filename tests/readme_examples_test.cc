// Runs every `grpcurl -d` example of README.md against a real server, with
// the request bodies read from the README itself, so the examples stay true.
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "pulse/v1/admin.pb.h"
#include "tests/server_process.h"
#include "tests/update_collector.h"

namespace pulse::testing {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::MethodDescriptor;

struct Example {
  std::string body;
  std::string method;  // e.g. "pulse.v1.AnalyticsService/Ingest"
};

std::vector<Example> ReadExamples() {
  std::ifstream in(PULSE_SOURCE_DIR "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  // grpcurl -plaintext -d '<body>' [\ newline] 127.0.0.1:50051 <method>
  const std::regex example(
      R"(grpcurl -plaintext -d '([^']*)'\s*\\?\s*127\.0\.0\.1:50051 ([\w.]+/\w+))");
  std::vector<Example> out;
  for (std::sregex_iterator it(readme.begin(), readme.end(), example), end;
       it != end; ++it) {
    out.push_back(Example{(*it)[1], (*it)[2]});
  }
  return out;
}

const MethodDescriptor* FindMethod(const std::string& name) {
  const std::string service = name.substr(0, name.find('/'));
  const auto* s = DescriptorPool::generated_pool()->FindServiceByName(service);
  return s == nullptr ? nullptr
                      : s->FindMethodByName(name.substr(name.find('/') + 1));
}

std::unique_ptr<Message> New(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()->GetPrototype(type)->New());
}

// Calls a unary method with a JSON body; returns the response as JSON.
std::string CallUnary(ServerProcess& server, const MethodDescriptor* method,
                      const std::string& body) {
  std::unique_ptr<Message> request = New(method->input_type());
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(body, request.get()).ok())
      << body;
  std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::GenericStub stub(server.channel());
  auto ctx = Context();
  absl::Mutex mu;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(ctx.get(),
                 "/" + method->service()->full_name() + "/" + method->name(),
                 grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&](grpc::Status s) {
                   absl::MutexLock lock(&mu);
                   status = std::move(s);
                   done = true;
                 });
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&done));
  }
  EXPECT_TRUE(status.ok()) << method->name() << ": " << status.error_message();
  std::vector<grpc::Slice> slices;
  std::string data;
  if (response_buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) data.append(s.begin(), s.end());
  }
  std::unique_ptr<Message> response = New(method->output_type());
  EXPECT_TRUE(response->ParseFromString(data));
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(*response, &json).ok());
  return json;
}

TEST(ReadmeExamples, EveryGrpcurlExampleSucceeds) {
  const std::vector<Example> examples = ReadExamples();
  ASSERT_GE(examples.size(), 5u)
      << "the README's grpcurl examples were not found";
  // Links admin.proto's generated code, so that the pool knows AdminService.
  (void)v1::GetStorageStatsRequest::descriptor();
  TempDir dir;
  // With --backup_dir, so that the backup examples work too.
  auto server = ServerProcess::Start(
      dir.path() + "/data", {"--backup_dir=" + dir.path() + "/backups"});
  ASSERT_TRUE(server.ok()) << server.status();

  std::vector<std::string> answers;
  const Example* subscribe = nullptr;
  for (const Example& example : examples) {
    const MethodDescriptor* method = FindMethod(example.method);
    ASSERT_NE(method, nullptr) << example.method;
    if (method->server_streaming()) {
      subscribe = &example;  // run last, to see what the others stored
      continue;
    }
    answers.push_back(CallUnary(**server, method, example.body));
  }
  // Ingest stored one like of p1; GetPostStats reads it back.
  ASSERT_GE(answers.size(), 2u);
  EXPECT_NE(answers[0].find("\"accepted\":1"), std::string::npos) << answers[0];
  EXPECT_NE(answers[1].find("\"likes\":\"1\""), std::string::npos)
      << answers[1];

  ASSERT_NE(subscribe, nullptr) << "the README shows no Subscribe example";
  v1::SubscribeRequest request;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(subscribe->body, &request)
          .ok());
  auto stub = (*server)->stub();
  UpdateCollector stream(stub.get(), request);
  ASSERT_TRUE(stream.WaitFor([](const auto& r) { return !r.empty(); },
                             absl::Seconds(10)))
      << stream.status().error_message();
  const v1::Update snapshot = stream.received()[0].update;
  EXPECT_TRUE(snapshot.snapshot());
  ASSERT_EQ(snapshot.posts_size(), 1);
  EXPECT_EQ(snapshot.posts(0).likes(), 1);
  EXPECT_EQ(snapshot.global().likes(), 1);
}

}  // namespace
}  // namespace pulse::testing
