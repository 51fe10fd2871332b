// Port: the application's own outgoing HTTP exchanges (the alert webhooks), and the plain
// request and response values the SMS gateways' protocols build and read too
// (gateways/http.hpp). Production: gateways::CurlMulti, the io thread's libcurl multi handle.
#pragma once

#include "otpgate/core/ascii.hpp"
#include "otpgate/core/errc.hpp"
#include "otpgate/ports/task.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate {

using HttpFields = std::vector<std::pair<std::string, std::string>>;

// An outgoing request. It carries credentials and the message text: never logged.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  HttpFields headers;  // e.g. {"Content-Type", "application/json"}
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpFields headers;  // names lower-cased
  std::string body;

  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (iequals_ascii(k, name)) return v;
    return "";
  }
};

struct HttpTimeouts {
  std::chrono::milliseconds total{3'000};    // the whole exchange
  std::chrono::milliseconds connect{1'000};  // TCP (and TLS) connect, within total
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one exchange. Errors: errc::gateway_timeout (total or connect timeout),
  // errc::gateway_unreachable (DNS, refused, reset, TLS failure), errc::gateway_error (anything
  // else). Any HTTP status is a success here; the caller interprets it.
  virtual task<result<HttpResponse>> perform(const HttpRequest& request,
                                             const HttpTimeouts& timeouts) = 0;
};

}  // namespace otpgate
