// The server side of TLS: certificate chain, private key and protocol policy, loaded once at
// start-up and shared read-only by every io thread. OpenSSL and Asio's ssl headers stay out of
// this header (pimpl) so that including the server header costs nothing extra.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace otpgate::http {

// A certificate or key file that cannot be used. The message names the file and the reason
// (never any key material); `file` says which of the two it is.
struct TlsError : std::runtime_error {
  enum class file_kind { certificate, private_key };
  TlsError(file_kind which, const std::string& message)
      : std::runtime_error(message), file(which) {}
  file_kind file;
};

// The policy (docs/configuration.md, "TLS"): TLS 1.2 minimum, TLS 1.3 preferred; for TLS 1.2
// only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305, in the server's order; no
// compression, no renegotiation; session tickets on.
class TlsContext {
 public:
  // Loads a PEM certificate chain (leaf first) and an unencrypted PEM private key, and checks
  // that the key belongs to the certificate. Throws TlsError on any problem.
  static std::shared_ptr<const TlsContext> from_pem_files(const std::string& cert_file,
                                                          const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Defined in src/http (holds the asio::ssl::context); only the server uses it.
  struct impl;
  impl& native() const { return *impl_; }

 private:
  explicit TlsContext(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace otpgate::http
