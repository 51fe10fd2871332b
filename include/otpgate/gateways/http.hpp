// Plain HTTP exchange values shared by the libcurl client and the vendor protocols, plus the
// encodings vendors use. No libcurl here: protocols build and read these without I/O.
#pragma once

#include "otpgate/ports/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate::gateways {

using std::chrono::milliseconds;
using Fields = HttpFields;
// The exchange's values are the HttpClient port's (ports/http_client.hpp), named here too so the
// protocols read as before.
using otpgate::HttpRequest;
using otpgate::HttpResponse;
using otpgate::HttpTimeouts;

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
