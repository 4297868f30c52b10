#include "tests/test_certs.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace pulse::testing {
namespace {

absl::Status Run(const std::string& command) {
  const std::string line = absl::StrCat(command, " >/dev/null 2>&1");
  if (std::system(line.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestCerts> MakeTestCerts(const std::string& dir) {
  TestCerts certs;
  certs.ca_cert = dir + "/ca.pem";
  certs.server_cert = dir + "/server.pem";
  certs.server_key = dir + "/server.key";
  certs.other_ca_cert = dir + "/other-ca.pem";
  const std::string ca_key = dir + "/ca.key";
  const std::string csr = dir + "/server.csr";
  const std::string ext = dir + "/server.ext";
  std::ofstream(ext) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                        "basicConstraints=CA:FALSE\n"
                        "keyUsage=digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=serverAuth\n";
  for (const std::string& command : {
           absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                        "-subj /CN=pulse-test-ca -keyout ",
                        ca_key, " -out ", certs.ca_cert),
           absl::StrCat("openssl req -newkey rsa:2048 -nodes "
                        "-subj /CN=localhost -keyout ",
                        certs.server_key, " -out ", csr),
           absl::StrCat("openssl x509 -req -days 1 -in ", csr, " -CA ",
                        certs.ca_cert, " -CAkey ", ca_key,
                        " -CAcreateserial -extfile ", ext, " -out ",
                        certs.server_cert),
           absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                        "-subj /CN=pulse-other-ca -keyout ",
                        dir, "/other-ca.key -out ", certs.other_ca_cert),
       }) {
    if (absl::Status s = Run(command); !s.ok()) return s;
  }
  std::ifstream in(certs.ca_cert);
  std::stringstream pem;
  pem << in.rdbuf();
  certs.ca_pem = pem.str();
  if (certs.ca_pem.empty()) {
    return absl::InternalError(absl::StrCat("empty ", certs.ca_cert));
  }
  return certs;
}

}  // namespace pulse::testing
