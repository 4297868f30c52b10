#include "bridge/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace pulse::bridge {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 suites: ECDHE key exchange, AEAD only.
// TLS 1.3 keeps OpenSSL's defaults, which are all of this kind.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The file's bytes; INVALID_ARGUMENT naming `flag` if it cannot be read or
// is empty.
absl::StatusOr<std::string> ReadPem(const char* flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (bytes.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " is empty or not a file"));
  }
  return bytes.str();
}

// OpenSSL's reason for the most recent failure, and clears its error queue.
std::string TakeOpenSslError() {
  const unsigned long err = ERR_peek_last_error();
  std::string reason = "unknown error";
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    reason = buf;
  }
  ERR_clear_error();
  return reason;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

// OK if `pem` is one or more PEM certificates and nothing else that looks
// like PEM.
absl::Status CheckCertificates(const char* flag, const std::string& path,
                               const std::string& pem) {
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf");
  int certs = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++certs;
  }
  // Reading stops with "no start line" at the end of the PEM blocks; any
  // other error is a block that does not parse.
  const unsigned long err = ERR_peek_last_error();
  const bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM &&
                         ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  const std::string reason = TakeOpenSslError();
  if (certs == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": ", path, " holds no PEM certificate (", reason, ")"));
  }
  if (!clean_end) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": ", path, " holds a certificate that does not parse (", reason,
        ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  absl::StatusOr<std::string> cert = ReadPem("--tls_cert", cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("--tls_key", key_file);
  if (!key.ok()) return key.status();
  if (absl::Status s = CheckCertificates("--tls_cert", cert_file, *cert);
      !s.ok()) {
    return s;
  }

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX* native = ctx->native_handle();
  // A renegotiation costs the server a handshake for each request a client
  // makes: refuse it.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  // Closing does not wait for the client's close_notify: the websocket close
  // handshake (or the HTTP Content-Length) already marks the end of the data,
  // and browsers often never send one, which would keep each closed socket
  // (and its subscriptions) around until websocketpp's 5 s shutdown timeout.
  SSL_CTX_set_quiet_shutdown(native, 1);
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot configure TLS: ", TakeOpenSslError()));
  }
  // An encrypted key fails to load instead of prompting on the terminal.
  ctx->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); },
      ec);
  ERR_clear_error();
  ctx->use_certificate_chain(boost::asio::buffer(*cert), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert: ", cert_file,
                     " is not a PEM certificate chain (", ec.message(), ")"));
  }
  ctx->use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_key: ", key_file, " is not an unencrypted PEM private key (",
        ec.message(), ")"));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key: ", key_file, " does not match --tls_cert ",
                     cert_file, " (", TakeOpenSslError(), ")"));
  }
  ERR_clear_error();
  return ctx;
}

absl::StatusOr<std::string> ReadRootCerts(const std::string& ca_file) {
  absl::StatusOr<std::string> pem = ReadPem("--backend_tls_ca", ca_file);
  if (!pem.ok()) return pem.status();
  if (absl::Status s = CheckCertificates("--backend_tls_ca", ca_file, *pem);
      !s.ok()) {
    return s;
  }
  return pem;
}

}  // namespace pulse::bridge
