#include "otpgate/api/camara_otp.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/core/ascii.hpp"
#include "otpgate/core/camara_otp.hpp"
#include "otpgate/core/strict_json.hpp"
#include "otpgate/core/utf8.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <variant>

namespace otpgate::api {
namespace {

using json = nlohmann::json;

// The spec's codes that are not otpgate's own.
constexpr std::string_view invalid_otp = "ONE_TIME_PASSWORD_SMS.INVALID_OTP";
constexpr std::string_view verification_failed = "ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED";
constexpr std::string_view verification_expired = "ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED";
constexpr std::string_view max_codes = "ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED";
constexpr std::string_view not_allowed = "ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED";
constexpr std::string_view blocked = "ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED";

// An error as the spec writes it (ErrorInfo).
struct CamaraError {
  unsigned status;
  std::string_view code;
  std::string message;
};

http::Response render_error(const CamaraError& e, std::int64_t retry_after_ms = 0) {
  http::Response r;
  r.status = e.status;
  // replace: a message may quote what a caller sent; invalid UTF-8 must not throw.
  r.body = json{{"status", e.status}, {"code", e.code}, {"message", e.message}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  if (e.status == 429 || e.status == 503) set_retry_after(r, retry_after_ms);
  return r;
}

http::Response invalid(std::string message) {
  return render_error({400, "INVALID_ARGUMENT", std::move(message)});
}

// The one table: an answer of the verification engine as the spec names it (docs/camara.md,
// "Error mapping"). `validate`: the answer of a validate-code, else of a send-code.
CamaraError camara_error_of(const Answer& a, bool validate) {
  const std::string native(public_error(a.error).message);
  switch (a.error) {
    case errc::invalid_argument:
      if (a.field == "phone_number")
        return {400, "INVALID_ARGUMENT",
                "Property 'phoneNumber' must be a valid E.164 number such as +4915112345678."};
      return {400, "INVALID_ARGUMENT", a.message.empty() ? native : a.message};
    case errc::permission_denied:
      return {403, "PERMISSION_DENIED", a.message.empty() ? native : a.message};
    case errc::not_found:
      return {404, "NOT_FOUND", "The authenticationId is not known."};
    case errc::phone_blocked:
      // validate-code lists no PHONE_NUMBER_BLOCKED: a locked phone is "temporarily blocked due
      // to rate limits reached" (429), until the lock ends (Retry-After).
      if (validate) return {429, "TOO_MANY_REQUESTS", native};
      return {403, blocked,
              "Phone_number is blocked to receive SMS due to any blocking business reason in the "
              "operator."};
    case errc::phone_not_allowed:
      return {403, not_allowed, a.message.empty() ? native : a.message};
    case errc::phone_recently_swapped:
    case errc::identity_mismatch:
      return {403, not_allowed, native};
    case errc::too_many_requests:
      if (a.limit == "phone")
        return {403, max_codes, "Too many OTPs have been requested for this MSISDN. Try later."};
      return {429, "TOO_MANY_REQUESTS", native};
    case errc::code_invalid:
      return {400, invalid_otp, "The provided OTP is not valid for this authenticationId"};
    case errc::verification_failed:
      return {400, verification_failed,
              "The maximum number of attempts for this authenticationId was exceeded without "
              "providing a valid OTP"};
    case errc::verification_expired:
      return {400, verification_expired, "The authenticationId is no longer valid"};
    case errc::not_pending:
      // Failed stays failed; approved (used), cancelled or never sent: no longer valid.
      if (a.record && a.record->status == Status::failed)
        return camara_error_of(Answer{.error = errc::verification_failed}, validate);
      return camara_error_of(Answer{.error = errc::verification_expired}, validate);
    case errc::sms_delivery_failed:
      return {503, "UNAVAILABLE", "No SMS gateway accepted the message; try again later."};
    case errc::signal_unavailable:
    case errc::store_unavailable:
    case errc::store_timeout:
    case errc::store_protocol:
      return {503, "UNAVAILABLE", native};
    default:
      return {500, "INTERNAL", "Internal error."};
  }
}

http::Response render_answer_error(const Answer& a, bool validate) {
  return render_error(camara_error_of(a, validate), a.retry_after_ms);
}

bool is_json_content(const http::Request& req) {
  const auto ct = req.header("content-type");
  if (!ct) return false;
  std::string_view type = ct->substr(0, ct->find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return iequals_ascii(type, "application/json");
}

// The body as a JSON object with only the spec's properties, or the spec's 400.
std::variant<json, http::Response> spec_body(const http::Request& req,
                                             std::initializer_list<std::string_view> known) {
  if (req.body.empty()) return invalid("The request body is required: a JSON object.");
  if (!is_json_content(req)) return invalid("Content-Type must be application/json.");
  const StrictJson parsed = parse_strict_json(req.body);
  if (parsed.duplicate_key)
    return invalid("Property '" + *parsed.duplicate_key + "' appears twice in the body.");
  if (parsed.value.is_discarded()) return invalid("The body is not valid JSON.");
  if (!parsed.value.is_object()) return invalid("The body must be a JSON object.");
  for (auto it = parsed.value.begin(); it != parsed.value.end(); ++it)
    if (std::find(known.begin(), known.end(), it.key()) == known.end())
      return invalid("Unknown property '" + it.key() + "'.");
  return parsed.value;
}

// A required string property into out, or the spec's 400 naming it.
std::optional<http::Response> required_string(const json& body, const std::string& name,
                                              std::string& out) {
  if (!body.contains(name)) return invalid("Property '" + name + "' is required.");
  if (!body[name].is_string()) return invalid("Property '" + name + "' must be a string.");
  out = body[name].get<std::string>();
  return std::nullopt;
}

Caller caller_of(const ApiKey& key) {
  return Caller{.key_id = key.id, .brand = key.brand, .support = key.has_role(Role::support)};
}

// The spec's PhoneNumber: '+', then 5 to 15 digits, the first not 0.
bool spec_phone(const std::string& s) {
  if (s.size() < 6 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

task<http::Response> send_code(http::Request& req, const ApiKey& key, VerificationRequests& v) {
  auto body = spec_body(req, {"phoneNumber", "message"});
  if (auto* bad = std::get_if<http::Response>(&body)) co_return std::move(*bad);
  const json& j = std::get<json>(body);
  StartRequest request{.fingerprint = j.dump(), .camara = true};
  if (auto bad = required_string(j, "phoneNumber", request.phone_number)) co_return *bad;
  if (!spec_phone(request.phone_number))
    co_return invalid("Property 'phoneNumber' must be an E.164 number: '+' and 5 to 15 digits.");
  if (auto bad = required_string(j, "message", request.message_text)) co_return *bad;
  if (auto problem = camara::message_problem(request.message_text)) co_return invalid(*problem);
  const Caller caller = caller_of(key);
  const Answer a = co_await v.start(caller, request);
  http::Response r =
      a.error == errc::ok && a.record
          ? json_response(200, {{"authenticationId", camara::authentication_id(a.record->id)}})
          : render_answer_error(a, false);
  if (const auto phone = PhoneNumber::parse_e164(request.phone_number))
    r.log_phone_masked = phone->masked();
  co_return r;
}

task<http::Response> validate_code(http::Request& req, const ApiKey& key, VerificationRequests& v) {
  auto body = spec_body(req, {"authenticationId", "code"});
  if (auto* bad = std::get_if<http::Response>(&body)) co_return std::move(*bad);
  const json& j = std::get<json>(body);
  std::string authentication_id;
  std::string code;
  if (auto bad = required_string(j, "authenticationId", authentication_id)) co_return *bad;
  if (utf8_code_points(authentication_id) > camara::authentication_id_max)
    co_return invalid("Property 'authenticationId' must have at most 36 characters.");
  if (auto bad = required_string(j, "code", code)) co_return *bad;
  if (utf8_code_points(code) > 10) co_return invalid("Property 'code' must have at most 10 characters.");
  const auto id = camara::verification_of(authentication_id);
  if (!id) co_return render_answer_error(Answer{.error = errc::not_found}, true);
  const Caller caller = caller_of(key);
  const OrderTerms no_order;  // named: no temporaries in a co_await expression (g++ 12)
  const std::optional<std::string> no_key;
  const Answer a = co_await v.check(caller, *id, code, no_order, no_key);
  if (a.error != errc::ok) co_return render_answer_error(a, true);
  http::Response r;
  r.status = 204;
  co_return r;
}

}  // namespace

std::optional<http::Response> adopt_camara_correlator(http::Request& req) {
  const auto sent = req.header("x-correlator");
  if (!sent || sent->empty()) return std::nullopt;
  if (!camara::correlator_valid(*sent))
    return invalid(
        "Header x-correlator must match ^[a-zA-Z0-9-_:;.\\/<>{}]{0,256}$ (the spec's "
        "XCorrelator).");
  req.correlator = std::string(*sent);
  return std::nullopt;
}

task<http::Response> serve_camara_otp(Handler handler, http::Request& req, const ApiKey& key,
                                      VerificationRequests& verifications) {
  if (handler == Handler::camara_send_code) {
    http::Response r = co_await send_code(req, key, verifications);
    co_return r;
  }
  http::Response r = co_await validate_code(req, key, verifications);
  co_return r;
}

}  // namespace otpgate::api
