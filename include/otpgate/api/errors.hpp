// The error responses built from the table of public errors (core/public_error.hpp). Messages
// are plain sentences for a developer; none holds a code, key or raw number.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/core/public_error.hpp"
#include "otpgate/http/message.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace otpgate::api {

// An error response for e, with an optional more specific message and extra detail fields.
http::Response error_response(errc e, std::string_view message = {});
http::Response error_response(errc e, std::string_view message, const nlohmann::json& details);

// 400 INVALID_ARGUMENT naming the field.
http::Response invalid_argument(std::string_view field, std::string_view message);

// A JSON success response (invalid UTF-8 in strings is replaced, never thrown).
http::Response json_response(unsigned status, const nlohmann::json& body);
// An answer whose JSON is already text.
http::Response json_text_response(unsigned status, std::string body);

// 405 with the Allow header RFC 9110 requires: the methods the path does take ("GET, HEAD").
http::Response method_not_allowed(std::string_view allow);

// Adds Retry-After in whole seconds, rounded up, at least 1.
void set_retry_after(http::Response& r, std::int64_t retry_after_ms);

}  // namespace otpgate::api
