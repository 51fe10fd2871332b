// A fake SMS provider for tests: a real HTTP/1.1 server on a loopback port chosen by the kernel,
// running on its own thread and io_context, answering what a test's handler scripts (status,
// headers, body, delay, a hang, a connection reset, a half-close, a response trickled out) and
// recording every request it received.
//
// Usable from integration tests (the client runs on the test thread's io_context) and from e2e
// tests (the client is the otpgate child process, pointed at base_url()). Every member function
// is safe to call from any thread while the server runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate::test {

// One request as the server parsed it.
struct RecordedRequest {
  std::string method;  // "POST"
  std::string target;  // path and query, as sent: "/v1/messages?x=1"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, arrival order
  std::string body;
  std::size_t connection = 0;  // which accepted connection carried it (1, 2, ...)

  // The first value of that header (name matched case-insensitively), or "".
  std::string header(std::string_view name) const;
};

// What the server does with one request.
struct FakeReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is set for you
  std::string body;
  // Answer after this long, on a timer: other connections are served meanwhile.
  std::chrono::milliseconds delay{0};
  // Never answer; the connection stays open until the client closes it or the server stops.
  bool hang = false;
  // Close the connection without answering, with an RST (SO_LINGER 0) rather than a FIN.
  bool reset = false;
  // Send a FIN without answering (shut down the write side) and keep reading until the client
  // closes: a server or middlebox that gave up on the request.
  bool half_close = false;
  // Answer slowly: write the response (status line, headers, body) in pieces of trickle_bytes
  // with this pause before each one after the first. Zero writes it at once. Applies after
  // delay.
  std::chrono::milliseconds trickle{0};
  std::size_t trickle_bytes = 16;
};

class FakeHttpServer {
 public:
  // Runs on the server's thread for each request, after it was recorded. An exception becomes
  // a 500 whose body names it.
  using Handler = std::function<FakeReply(const RecordedRequest&)>;

  // Listens on 127.0.0.1 (or ::1 when ipv6) on a free port and starts serving. Throws
  // std::runtime_error when the address cannot be bound (e.g. no IPv6 loopback).
  explicit FakeHttpServer(Handler handler, bool ipv6 = false);
  // Stops at once, closing every connection, including ones whose requests hang.
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:<port>" or "http://[::1]:<port>", without a trailing slash.
  std::string base_url() const;

  // Replaces the handler for requests that arrive from now on.
  void set_handler(Handler handler);

  // Every request received so far, in arrival order (hanging and reset ones included).
  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;
  // Blocks until at least n requests arrived or timeout passed; true when they did. Only for
  // clients on another thread or process (it would starve a client on the calling thread).
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;

  // The highest number of requests being handled at once: received and not yet answered
  // (a hanging request counts until its connection closes).
  int max_concurrent() const;
  // TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests).
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otpgate::test
