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

#include <memory>

namespace otpgate::gateways {

class CurlMulti final : public HttpClient {
 public:
  explicit CurlMulti(boost::asio::io_context& ioc);
  // Abandons transfers still in flight (their awaiting coroutines are never resumed).
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Performs one exchange. Errors: errc::gateway_timeout (total or connect timeout),
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
