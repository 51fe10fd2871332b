// The one table mapping errors to HTTP statuses and public codes, and the error responses built
// from it. Messages are plain sentences for a developer; none holds a code, key or raw number.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/http/message.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace otpgate::api {

struct PublicError {
  unsigned status;
  std::string_view code;
  std::string_view message;
};

PublicError public_error(errc e);

// An error response for e, with an optional more specific message and extra detail fields.
http::Response error_response(errc e, std::string_view message = {});
http::Response error_response(errc e, std::string_view message, const nlohmann::json& details);

// 400 INVALID_ARGUMENT naming the field.
http::Response invalid_argument(std::string_view field, std::string_view message);

// A JSON success response (invalid UTF-8 in strings is replaced, never thrown).
http::Response json_response(unsigned status, const nlohmann::json& body);

// 405 METHOD_NOT_ALLOWED.
// 405 with the Allow header RFC 9110 requires: the methods the path does take ("GET, HEAD").
http::Response method_not_allowed(std::string_view allow);

// Adds Retry-After in whole seconds, rounded up, at least 1.
void set_retry_after(http::Response& r, std::int64_t retry_after_ms);

}  // namespace otpgate::api
