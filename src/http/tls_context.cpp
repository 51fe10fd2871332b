// Builds the one server-side SSL_CTX: protocol policy first, then the certificate and key, each
// failure reported with the file it concerns. The policy and its reasons are documented in
// docs/configuration.md ("TLS").
#include "tls_native.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace otpgate::http {
namespace {

// TLS 1.2 suites (TLS 1.3's are all AEAD with ephemeral key exchange): ECDHE only (forward
// secrecy, no RSA key transport), AEAD only (no CBC: Lucky13 and padding oracles; no SHA-1
// MACs). ECDSA first: the cheaper handshake when the certificate is EC.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// OpenSSL's default TLS 1.3 list, spelled out so a system configuration cannot add CCM suites.
constexpr const char* tls13_suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* groups = "X25519:P-256:P-384";

// The reason of OpenSSL's most recent error, e.g. "no start line"; never data from the file.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason ? std::string(" (") + reason + ")" : std::string();
}

// Our own check first: OpenSSL's message for a missing file is less clear than errno's.
void require_readable(const std::string& path, TlsError::file_kind which) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw TlsError(which, path + ": cannot be read: " + std::strerror(errno));
  std::fclose(f);
}

// An encrypted key would make OpenSSL prompt on the terminal; refuse instead.
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

void apply_policy(SSL_CTX* ctx) {
  // Security level 2 also refuses certificates with weak keys (RSA < 2048 bits) or SHA-1
  // signatures when they are loaded.
  SSL_CTX_set_security_level(ctx, 2);
  const bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
                  SSL_CTX_set_cipher_list(ctx, tls12_ciphers) == 1 &&
                  SSL_CTX_set_ciphersuites(ctx, tls13_suites) == 1 &&
                  SSL_CTX_set1_groups_list(ctx, groups) == 1;
  if (!ok) throw std::runtime_error("OpenSSL refused the TLS policy" + openssl_reason());
  // Server order: a client cannot steer us to its weakest acceptable suite. PRIORITIZE_CHACHA:
  // a client that itself prefers ChaCha20 (no AES hardware) gets it. Renegotiation is refused
  // (its past attacks, and a CPU cost a client could trigger at will); compression too (CRIME).
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_default_passwd_cb(ctx, refuse_passphrase);
}

// Read here rather than with SSL_CTX_use_PrivateKey_file, so that a key of another certificate
// is reported as such and not as OpenSSL's "key values mismatch".
std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> read_private_key(const std::string& key_file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key_file.c_str(), "r"), BIO_free);
  EVP_PKEY* key =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr) : nullptr;
  if (!key)
    throw TlsError(TlsError::file_kind::private_key,
                   key_file + ": is not a usable unencrypted PEM private key" + openssl_reason());
  return {key, EVP_PKEY_free};
}

void load_certificate_and_key(SSL_CTX* ctx, const std::string& cert_file,
                              const std::string& key_file) {
  using kind = TlsError::file_kind;
  require_readable(cert_file, kind::certificate);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1)
    throw TlsError(kind::certificate,
                   cert_file + ": is not a usable PEM certificate chain" + openssl_reason());
  require_readable(key_file, kind::private_key);
  const auto key = read_private_key(key_file);
  const X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (EVP_PKEY_eq(X509_get0_pubkey(leaf), key.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw TlsError(kind::private_key,
                   key_file + ": does not belong to the certificate in " + cert_file);
  }
}

}  // namespace

TlsContext::TlsContext(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

TlsContext::~TlsContext() = default;

std::shared_ptr<const TlsContext> TlsContext::from_pem_files(const std::string& cert_file,
                                                             const std::string& key_file) {
  auto i = std::make_unique<impl>();
  SSL_CTX* ctx = i->ctx.native_handle();
  apply_policy(ctx);
  load_certificate_and_key(ctx, cert_file, key_file);
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(i)));
}

}  // namespace otpgate::http
