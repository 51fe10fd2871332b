#include "support/tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace otpgate::test {
namespace {

int openssl_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::tls1_0:
      return TLS1_VERSION;
    case TlsVersion::tls1_1:
      return TLS1_1_VERSION;
    case TlsVersion::tls1_2:
      return TLS1_2_VERSION;
    case TlsVersion::tls1_3:
      return TLS1_3_VERSION;
    case TlsVersion::any:
      break;
  }
  return 0;
}

// The reason of the newest error in OpenSSL's queue (then cleared), or the SSL_get_error code.
std::string last_error(int ssl_error) {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e != 0) return ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unknown";
  if (ssl_error == SSL_ERROR_SYSCALL) return errno ? std::strerror(errno) : "unexpected eof";
  return "ssl error " + std::to_string(ssl_error);
}

SSL_CTX* make_context(const TlsClientOptions& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) throw std::runtime_error("SSL_CTX_new failed");
  bool ok = true;
  if (o.legacy) SSL_CTX_set_security_level(ctx, 0);
  if (o.min_version != TlsVersion::any)
    ok = ok && SSL_CTX_set_min_proto_version(ctx, openssl_version(o.min_version)) == 1;
  if (o.max_version != TlsVersion::any)
    ok = ok && SSL_CTX_set_max_proto_version(ctx, openssl_version(o.max_version)) == 1;
  if (!o.tls12_ciphers.empty()) ok = ok && SSL_CTX_set_cipher_list(ctx, o.tls12_ciphers.c_str());
  if (!o.ca_file.empty()) {
    ok = ok && SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) == 1;
    // Verified after the handshake (verified()), so a test can look at a failed verification.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!ok) {
    SSL_CTX_free(ctx);
    throw std::runtime_error("TLS client options refused: " + last_error(0));
  }
  return ctx;
}

}  // namespace

struct TlsClient::state {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  bool check_ip = false;
  ~state() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
};

TlsClient::TlsClient(unsigned short port, TlsClientOptions options)
    : s_(std::make_unique<state>()) {
  // OpenSSL writes to the socket with write(2), not send(MSG_NOSIGNAL): a write after the server
  // closed must fail the call, not kill the test process.
  std::signal(SIGPIPE, SIG_IGN);
  s_->ctx = make_context(options);
  s_->ssl = SSL_new(s_->ctx);
  if (!s_->ssl) throw std::runtime_error("SSL_new failed");
  SSL_set_tlsext_host_name(s_->ssl, "localhost");
  if (!options.ca_file.empty()) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s_->ssl), "127.0.0.1");
  s_->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s_->fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s_->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             std::strerror(errno));
  SSL_set_fd(s_->ssl, s_->fd);
  set_timeout(std::chrono::seconds(5));
}

TlsClient::~TlsClient() = default;

void TlsClient::set_timeout(std::chrono::milliseconds t) {
  timeval tv{static_cast<time_t>(t.count() / 1000),
             static_cast<suseconds_t>(t.count() % 1000 * 1000)};
  ::setsockopt(s_->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s_->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool TlsClient::handshake() {
  ERR_clear_error();
  const int r = SSL_connect(s_->ssl);
  if (r == 1) {
    handshake_done_ = true;
    return true;
  }
  error_ = last_error(SSL_get_error(s_->ssl, r));
  return false;
}

bool TlsClient::verified() const {
  return handshake_done_ && SSL_get0_peer_certificate(s_->ssl) != nullptr &&
         SSL_get_verify_result(s_->ssl) == X509_V_OK;
}

std::string TlsClient::peer_certificate_der() const {
  X509* cert = SSL_get0_peer_certificate(s_->ssl);
  if (!cert) return {};
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string TlsClient::protocol() const {
  return SSL_get_version(s_->ssl);
}

std::string TlsClient::cipher() const {
  return SSL_get_cipher_name(s_->ssl);
}

bool TlsClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ERR_clear_error();
    const int n = SSL_write(s_->ssl, bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) {
      error_ = last_error(SSL_get_error(s_->ssl, n));
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool TlsClient::receive(std::string& out) {
  char buf[4096];
  ERR_clear_error();
  const int n = SSL_read(s_->ssl, buf, sizeof buf);
  if (n > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  const int e = SSL_get_error(s_->ssl, n);
  close_notify_ = e == SSL_ERROR_ZERO_RETURN;
  error_ = last_error(e);
  return false;
}

bool TlsClient::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(s_->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool TlsClient::receive_raw(std::string& out) {
  char buf[4096];
  const ssize_t n = ::recv(s_->fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  out.append(buf, static_cast<std::size_t>(n));
  return true;
}

bool TlsClient::closed_by_peer_within(std::chrono::milliseconds bound) {
  set_timeout(bound);
  char buf[4096];
  for (;;) {
    if (!handshake_done_) {
      const ssize_t n = ::recv(s_->fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n < 0) return false;  // EAGAIN: the bound passed with the connection open
      raw_received_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    ERR_clear_error();
    const int n = SSL_read(s_->ssl, buf, sizeof buf);
    if (n > 0) continue;
    const int e = SSL_get_error(s_->ssl, n);
    // A receive timeout on a blocking socket surfaces as WANT_READ: still open.
    if (e == SSL_ERROR_WANT_READ) return false;
    close_notify_ = e == SSL_ERROR_ZERO_RETURN;
    ERR_clear_error();
    return true;  // close_notify, EOF or reset
  }
}

std::string client_hello() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);  // ssl owns both now
  SSL_set_tlsext_host_name(ssl, "localhost");
  SSL_connect(ssl);  // writes the ClientHello into `out`, then wants to read
  char* data = nullptr;
  const long len = BIO_get_mem_data(out, &data);
  std::string hello(data, static_cast<std::size_t>(len > 0 ? len : 0));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  if (hello.size() < 50) throw std::runtime_error("no ClientHello from OpenSSL");
  return hello;
}

}  // namespace otpgate::test
