// Private to src/http: request correlators and the access log line. No Beast here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace otpgate::http::detail {

// A client's x-correlator is echoed only when it is 1-64 chars of [A-Za-z0-9._-]: anything else
// (CR/LF, quotes, megabytes) could forge log lines or bloat every log entry for this request.
bool is_acceptable_correlator(std::string_view value);

// 16 lower-case hex chars from a per-thread PRNG. Not a secret, so not RAND_bytes.
std::string generate_correlator();

// The client's correlator when acceptable, else a fresh one.
std::string correlator_for(std::optional<std::string_view> client_value);

struct access_record {
  std::string_view method;
  std::string_view route;  // route template, or the path (truncated) when no route matched
  unsigned status = 0;
  double duration_ms = 0;
  std::string_view correlator;
  std::string_view phone_masked;  // empty when the request concerned no phone number
  std::string_view remote;
  bool tls = false;  // the request came over the HTTPS listener
};

// One {"msg":"request",...} line; never headers or bodies (Authorization holds an API key).
void write_access_log(const access_record& r);

// The current time as an RFC 9110 IMF-fixdate, cached per thread for the current second.
const std::string& http_date_now();

}  // namespace otpgate::http::detail
