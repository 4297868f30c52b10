// The bridge's TLS material, checked once at start-up: the server context
// for wss:// and https:// (--tls_cert/--tls_key) and the root certificates
// that the backend gRPC channel trusts (--backend_tls_ca). Knows nothing of
// websockets or gRPC calls.
#ifndef PULSE_BRIDGE_TLS_H_
#define PULSE_BRIDGE_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace pulse::bridge {

// A server context with the PEM certificate chain in `cert_file` and its
// private key in `key_file`: TLS 1.2 or newer, no compression, forward-secret
// AEAD ciphers for TLS 1.2 (OpenSSL's defaults for 1.3). INVALID_ARGUMENT
// naming the flag when a file cannot be read, is not PEM, the key is
// encrypted or does not match the certificate. Reads the files; never
// prompts for a pass phrase. The context is shared by every connection.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

// The contents of `ca_file`, checked to hold at least one PEM certificate and
// nothing that does not parse (for grpc::SslCredentialsOptions).
// INVALID_ARGUMENT naming --backend_tls_ca otherwise.
absl::StatusOr<std::string> ReadRootCerts(const std::string& ca_file);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_TLS_H_
