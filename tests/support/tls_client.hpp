// A blocking TLS client for tests, on OpenSSL directly: every knob a hostile or outdated client
// has (protocol versions, TLS 1.2 cipher list), raw TCP bytes before or instead of a handshake,
// and what the server presented. Every receive is bounded by SO_RCVTIMEO so a bug fails a test
// instead of hanging it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace otpgate::test {

enum class TlsVersion { any, tls1_0, tls1_1, tls1_2, tls1_3 };

struct TlsClientOptions {
  // Trust only this certificate (PEM) and check it names 127.0.0.1; "" skips verification.
  std::string ca_file;
  TlsVersion min_version = TlsVersion::any;
  TlsVersion max_version = TlsVersion::any;
  // OpenSSL cipher string for TLS 1.2 and below; "" keeps OpenSSL's default.
  std::string tls12_ciphers;
  // Security level 0: OpenSSL 3 otherwise refuses to offer TLS 1.0/1.1 or SHA-1 suites itself,
  // and a test of the server's refusal would prove nothing.
  bool legacy = false;
};

class TlsClient {
 public:
  // Connects to 127.0.0.1:port (TCP only); throws std::runtime_error when that fails.
  explicit TlsClient(unsigned short port, TlsClientOptions options = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  void set_timeout(std::chrono::milliseconds t);
  // The handshake; false when it fails (error() says why, e.g. "tlsv1 alert protocol version").
  bool handshake();
  const std::string& error() const { return error_; }
  // After a handshake: whether the chain verified against options.ca_file (and 127.0.0.1), the
  // leaf certificate in DER, the protocol ("TLSv1.3") and the cipher name.
  bool verified() const;
  std::string peer_certificate_der() const;
  std::string protocol() const;
  std::string cipher() const;

  // Over TLS (after handshake()).
  bool send(std::string_view bytes);
  // Appends what arrived to `out`; false on close, error or timeout.
  bool receive(std::string& out);
  // Raw TCP bytes, bypassing TLS (for use instead of handshake()).
  bool send_raw(std::string_view bytes);
  // Appends raw TCP bytes that arrived to `out`; false on close, error or timeout.
  bool receive_raw(std::string& out);
  // True when the server closes the connection (EOF, reset or close_notify) within `bound`.
  // What arrives first is read and dropped; without a handshake it is kept in raw_received().
  bool closed_by_peer_within(std::chrono::milliseconds bound);
  const std::string& raw_received() const { return raw_received_; }
  // Whether the server's close came with a close_notify (valid after closed_by_peer_within).
  bool saw_close_notify() const { return close_notify_; }

 private:
  struct state;
  std::unique_ptr<state> s_;
  std::string error_;
  std::string raw_received_;
  bool handshake_done_ = false;
  bool close_notify_ = false;
};

// A complete ClientHello as OpenSSL's client sends it first (one TLS record).
std::string client_hello();

}  // namespace otpgate::test
