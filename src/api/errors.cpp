#include "otpgate/api/errors.hpp"

#include <nlohmann/json.hpp>

namespace otpgate::api {

http::Response error_response(errc e, std::string_view message, const nlohmann::json& details) {
  const PublicError p = public_error(e);
  nlohmann::json body = {
      {"status", p.status}, {"code", p.code}, {"message", message.empty() ? p.message : message}};
  if (details.is_object())
    for (auto it = details.begin(); it != details.end(); ++it) body[it.key()] = it.value();
  http::Response r;
  r.status = p.status;
  // A message may quote what a caller sent; replace keeps invalid UTF-8 from throwing.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (p.status == 503) r.headers.emplace_back("Retry-After", "1");
  // RFC 9110 11.6.1: a 401 MUST name a scheme the resource takes. API keys travel as Bearer
  // tokens (RFC 6750 3); a delivery report's 401 (a bad vendor signature) names it too, as the
  // only scheme otpgate has.
  if (p.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"otpgate\"");
  return r;
}

http::Response error_response(errc e, std::string_view message) {
  return error_response(e, message, nlohmann::json::object());
}

http::Response invalid_argument(std::string_view field, std::string_view message) {
  return error_response(errc::invalid_argument, message, {{"field", field}});
}

http::Response json_response(unsigned status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response json_text_response(unsigned status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::Response method_not_allowed(std::string_view allow) {
  http::Response r;
  r.status = 405;
  r.body = http::error_body(405, "METHOD_NOT_ALLOWED",
                            "This route allows only " + std::string(allow) + ".");
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

void set_retry_after(http::Response& r, std::int64_t retry_after_ms) {
  const std::int64_t seconds = std::max<std::int64_t>(1, (retry_after_ms + 999) / 1000);
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
}

}  // namespace otpgate::api
