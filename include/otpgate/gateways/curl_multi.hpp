// An asynchronous HTTP client: one libcurl multi handle driven by an Asio io_context (socket and
// timer callbacks, curl_multi_socket_action). One instance per io thread; every request runs on
// that thread's loop, never blocking it. Connections are reused across requests. It is the
// HttpClient port of the application (the alert webhooks) as well as the gateways' transport.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/gateways/http.hpp"
#include "otpgate/ports/http_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>

namespace otpgate::gateways {

// The connection pool of one io thread's multi handle (docs/gateways.md#connections).
struct PoolLimits {
  // Connections to one host:port (so to one gateway, unless gateways share a host). A send
  // beyond it waits for a free connection, and the wait counts inside its timeout.
  long max_host_connections = 256;
  // A connection idle this long is closed: by libcurl when the next transfer starts, and by a
  // timer this long after the last transfer ended when none follows.
  std::chrono::milliseconds idle_timeout{30'000};
};

class CurlMulti final : public HttpClient {
 public:
  explicit CurlMulti(boost::asio::io_context& ioc, PoolLimits limits = {});
  // Abandons transfers still in flight (their awaiting coroutines are never resumed).
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Performs one exchange. Errors: errc::gateway_timeout (total or connect timeout, counted from
  // the call: waiting for a free connection included),
  // errc::gateway_unreachable (DNS, refused, reset, TLS failure), errc::gateway_error (anything
  // else libcurl reports). Any HTTP status is a success here; the caller interprets it.
  task<result<HttpResponse>> perform(const HttpRequest& request,
                                     const HttpTimeouts& timeouts) override;

  // Transfers in flight (for tests and metrics).
  std::size_t active() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace otpgate::gateways
