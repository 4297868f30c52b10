// A throwaway certificate authority and a server certificate it signed, made
// with the openssl command-line tool, for tests of TLS (gRPC and wss://).
#ifndef PULSE_TESTS_TEST_CERTS_H_
#define PULSE_TESTS_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace pulse::testing {

// Paths of PEM files in the directory given to MakeTestCerts, and the CA's
// certificate itself (what a client trusts).
struct TestCerts {
  std::string ca_cert;        // the CA's certificate (PEM file)
  std::string server_cert;    // for 127.0.0.1 and localhost, signed by the CA
  std::string server_key;     // its private key
  std::string other_ca_cert;  // an unrelated CA: a client trusting only it
                              // must refuse the server
  std::string ca_pem;         // contents of ca_cert
};

// Writes a fresh CA, a server key and certificate (subjectAltName
// IP:127.0.0.1, DNS:localhost; valid for a day) and an unrelated CA into
// `dir`. Takes about a second (RSA key generation).
absl::StatusOr<TestCerts> MakeTestCerts(const std::string& dir);

}  // namespace pulse::testing

#endif  // PULSE_TESTS_TEST_CERTS_H_
