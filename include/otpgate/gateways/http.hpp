// Plain HTTP exchange values shared by the libcurl client and the vendor protocols, plus the
// encodings vendors use. No libcurl here: protocols build and read these without I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate::gateways {

using std::chrono::milliseconds;
using Fields = std::vector<std::pair<std::string, std::string>>;

// An outgoing request. It carries credentials and the message text: never logged.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  Fields headers;  // e.g. {"Content-Type", "application/json"}
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Fields headers;  // names lower-cased
  std::string body;

  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct HttpTimeouts {
  milliseconds total{3'000};    // the whole exchange
  milliseconds connect{1'000};  // TCP (and TLS) connect, within total
};

// application/x-www-form-urlencoded, in the given order (RFC 3986 unreserved kept, space as %20
// except where noted, everything else %XX upper-case).
std::string url_encode(std::string_view s);
std::string form_encode(const Fields& fields);
// Decodes a query string or form body; '+' is a space. nullopt on a malformed %-escape.
std::optional<Fields> form_decode(std::string_view body);
// "HTTP Basic" header value for user:password.
std::string basic_auth(std::string_view user, std::string_view password);
// Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), relative to now_ms.
std::optional<milliseconds> parse_retry_after(std::string_view value, std::int64_t now_ms);

}  // namespace otpgate::gateways
