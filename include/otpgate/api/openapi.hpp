// GET /openapi.json: the native API's OpenAPI 3.1 document (docs/openapi.json, embedded at
// build time), served as it is in the repository.
#pragma once

#include "otpgate/http/message.hpp"

#include <string_view>

namespace otpgate::api {

// The document's text, as built into the binary.
std::string_view openapi_document();

http::Response openapi_response();

}  // namespace otpgate::api
