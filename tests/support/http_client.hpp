// HTTP for tests: a libcurl client for well-formed requests and raw sockets for hostile ones.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace otpgate::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  // HTTP status; 0 when no response arrived (then `error` says why: refused, timeout, ...).
  long status = 0;
  // Response headers by lower-cased name; repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  // libcurl's error text for a transport failure; empty when a response arrived.
  std::string error;

  // The body parsed as JSON; throws std::runtime_error naming the status and body otherwise.
  nlohmann::json json() const;
  // The header's value, or "" when absent. `name` is matched case-insensitively.
  std::string header(const std::string& name) const;
};

// Sends one request and returns the response; never throws for transport errors (status 0).
// Safe to call from many threads at once. The only headers added are Host, Content-Length
// and `Accept: */*`: no default Content-Type and no `Expect: 100-continue`, so a test controls
// exactly what the server sees. Redirects are not followed.
HttpResponse http_request(const std::string& method, const std::string& url,
                          const Headers& headers = {}, const std::string& body = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// As http_request, for an https:// URL: the server's certificate must chain to the
// certificate(s) in ca_file (PEM; the system store is not used) and name the URL's host.
HttpResponse https_request(const std::string& method, const std::string& url,
                           const std::string& ca_file, const Headers& headers = {},
                           const std::string& body = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

HttpResponse http_get(const std::string& url, const Headers& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// POST with `Content-Type: application/json` and the body `body.dump()`.
HttpResponse http_post_json(const std::string& url, const nlohmann::json& body,
                            const Headers& headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

// {"Authorization", "Bearer <key>"}.
std::pair<std::string, std::string> bearer(const std::string& api_key);

// What a raw exchange saw.
struct RawResult {
  std::string received;
  // True when the peer closed the connection (EOF or reset) before the timeout.
  bool closed_by_peer = false;
  // True when the close was a reset (ECONNRESET) rather than an orderly FIN.
  bool reset = false;
};

// A raw TCP connection to 127.0.0.1:port for input no HTTP client would send.
class RawConnection {
 public:
  // Connects; throws std::runtime_error when the connection is refused.
  explicit RawConnection(unsigned short port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  int fd() const { return fd_; }
  // Sends all of `bytes`; false when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // Half-closes the sending side (the peer reads EOF after what was sent).
  void shutdown_write();
  // Reads until the peer closes or `timeout` passes, returning what arrived.
  RawResult read_until_close(std::chrono::milliseconds timeout);
  // Reads until `needle` appears in what arrived, the peer closes or `timeout` passes.
  RawResult read_until(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// Connects to 127.0.0.1:port, sends exactly `bytes`, reads until the peer closes or `timeout`
// passes, and returns everything received. Send "Connection: close" (or use
// raw_exchange_result's closed_by_peer) to avoid waiting for a keep-alive timeout.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// As raw_exchange, with whether (and how) the peer closed the connection.
RawResult raw_exchange_result(unsigned short port, const std::string& bytes,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));

// One raw answer split at its blank line: the status line, the head (names and values
// lower-cased, for finds) and the body. Throws when no blank line ends the head.
struct RawAnswer {
  std::string status_line;
  std::string head;
  std::string body;
};
RawAnswer split_raw_answer(const std::string& got);

// Connects, sends `bytes` (e.g. half a request) and keeps the connection open: true when the
// server closes it within `timeout` (whatever it sent first, such as a 408), false otherwise.
bool closed_by_peer_within(unsigned short port, const std::string& bytes,
                           std::chrono::milliseconds timeout);

}  // namespace otpgate::test
