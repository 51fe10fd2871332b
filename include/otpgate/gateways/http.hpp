// Plain HTTP exchange values shared by the libcurl client and the vendor protocols, plus the
// encodings vendors use. No libcurl here: protocols build and read these without I/O.
#pragma once

#include "otpgate/core/form_encoding.hpp"
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

// The form encoding (core/form_encoding.hpp), named here too so the protocols read as before.
using otpgate::form_decode;
using otpgate::form_encode;
using otpgate::url_encode;
// "HTTP Basic" header value for user:password.
std::string basic_auth(std::string_view user, std::string_view password);
// Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), relative to now_ms.
std::optional<milliseconds> parse_retry_after(std::string_view value, std::int64_t now_ms);

}  // namespace otpgate::gateways
