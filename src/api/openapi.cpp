#include "otpgate/api/openapi.hpp"

namespace otpgate::api {

http::Response openapi_response() {
  http::Response r;
  r.content_type = "application/json";
  r.body = std::string(openapi_document());
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace otpgate::api
