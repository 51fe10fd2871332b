#include "twilio_protocol.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/crypto/openssl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace otpgate::gateways {
namespace {

struct TwilioConfig {
  std::string account_sid;
  Secret<std::string> auth_token;
  std::string base_url;               // without a trailing '/'
  std::string messaging_service_sid;  // "" = send From
  std::string report_url;             // "" = no StatusCallback
};

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// MessageStatus values of the Message resource. receiving/received (inbound), canceled (only for
// scheduled messages, which otpgate never sends) and partially_delivered say nothing we track.
std::optional<DeliveryStatus> map_status(std::string_view s) {
  if (s == "delivered" || s == "read") return DeliveryStatus::delivered;
  if (s == "undelivered") return DeliveryStatus::undelivered;
  if (s == "failed") return DeliveryStatus::failed;
  if (s == "queued" || s == "accepted" || s == "sending" || s == "sent" || s == "scheduled")
    return DeliveryStatus::accepted;
  return std::nullopt;
}

// Twilio "Webhooks security": the full URL Twilio called (query included), then every POST
// parameter sorted by name in case-sensitive byte order, each name immediately followed by its
// (decoded) value, no separators; HMAC-SHA1 keyed by the auth token, base64. Equal names keep
// their values sorted too, as Twilio's helper libraries do.
std::string expected_signature(const Secret<std::string>& auth_token, std::string_view url,
                               Fields params) {
  std::sort(params.begin(), params.end());
  std::string data(url);
  for (const auto& [k, v] : params) {
    data += k;
    data += v;
  }
  return crypto::base64_encode(
      crypto::hmac(crypto::DigestAlgorithm::sha1, auth_token.reveal(), data));
}

// A status callback whose signature is already verified.
ReportResult read_status_callback(const Fields& params, std::string_view query) {
  ReportResult out;  // malformed until proven otherwise
  const std::string sid = first_of(params, "MessageSid");
  const std::string status = first_of(params, "MessageStatus");
  if (status.empty() && !first_of(params, "Body").empty()) {
    out.what = ReportResult::kind::ignored;  // an inbound message posted to the same URL
    return out;
  }
  if (sid.empty() || status.empty()) return out;
  out.report.message_id = sid;
  // The reference travels in our own StatusCallback URL ("?ref="), which Twilio signs with it.
  if (const auto q = form_decode(query)) out.report.reference = first_of(*q, "ref");
  const std::string error = first_of(params, "ErrorCode");
  out.report.reason = all_digits(error) ? error : status;
  const auto mapped = map_status(status);
  out.what = mapped ? ReportResult::kind::ok : ReportResult::kind::ignored;
  if (mapped) out.report.status = *mapped;
  return out;
}

class TwilioProtocol final : public VendorProtocol {
 public:
  explicit TwilioProtocol(TwilioConfig c) : c_(std::move(c)) {}

  HttpRequest build_send(const SmsMessage& m) const override;
  SendAttempt parse_send(const HttpResponse& r, std::int64_t now_ms) const override;
  ReportResult parse_report(const InboundReport& r) const override;

 private:
  std::string status_callback(const std::string& verification_id) const {
    const char joiner = c_.report_url.find('?') == std::string::npos ? '?' : '&';
    return c_.report_url + joiner + "ref=" + url_encode(verification_id);
  }

  TwilioConfig c_;
};

// "Create a Message": form parameters To, From or MessagingServiceSid, Body, StatusCallback.
HttpRequest TwilioProtocol::build_send(const SmsMessage& m) const {
  Fields form{{"To", m.to}};
  if (c_.messaging_service_sid.empty())
    form.emplace_back("From", m.sender_id);
  else
    form.emplace_back("MessagingServiceSid", c_.messaging_service_sid);
  form.emplace_back("Body", m.text.reveal());
  if (!c_.report_url.empty())
    form.emplace_back("StatusCallback", status_callback(m.verification_id));

  HttpRequest req;
  req.method = "POST";
  req.url = c_.base_url + "/2010-04-01/Accounts/" + url_encode(c_.account_sid) + "/Messages.json";
  req.headers = {{"Authorization", basic_auth(c_.account_sid, c_.auth_token.reveal())},
                 {"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = form_encode(form);
  return req;
}

// Success is 201 Created with the Message resource ("sid" = SM...). Errors carry a JSON body with
// an integer "code" (21211 invalid To, 21610 unsubscribed, 21408 region not enabled, 20003
// authentication, 20429 too many requests) and a "message" that may quote the number: only the
// code reaches the reason. The HTTP status decides transient vs permanent.
SendAttempt TwilioProtocol::parse_send(const HttpResponse& r, std::int64_t now_ms) const {
  const auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (r.status >= 200 && r.status < 300) {
    const auto sid = body.is_object() ? body.find("sid") : body.end();
    if (sid != body.end() && sid->is_string() && !sid->get<std::string>().empty())
      return SendAttempt{.outcome = SendOutcome::accepted, .message_id = sid->get<std::string>()};
    // Not Twilio's documented answer (a proxy?): whether the SMS left is unknown; retrying sends
    // the same code again, which is harmless, while giving up could leave the user without one.
    return SendAttempt{.outcome = SendOutcome::transient, .reason = "twilio unreadable response"};
  }
  SendAttempt a = classify_http_failure(r, now_ms);
  const auto code = body.is_object() ? body.find("code") : body.end();
  if (code != body.end() && code->is_number_integer())
    a.reason = "twilio " + std::to_string(code->get<long long>());
  return a;
}

ReportResult TwilioProtocol::parse_report(const InboundReport& r) const {
  ReportResult out;
  out.what = ReportResult::kind::bad_signature;
  const std::string signature = header_of(r.headers, "x-twilio-signature");
  // The signature covers the decoded parameters: a body that does not decode cannot be verified.
  const auto params = form_decode(r.body);
  if (signature.empty() || !params) return out;
  if (!crypto::constant_time_equal(signature, expected_signature(c_.auth_token, r.url, *params)))
    return out;
  return read_status_callback(*params, r.query);
}

}  // namespace

std::unique_ptr<VendorProtocol> make_twilio_protocol(const GatewayDefinition& d,
                                                     const EnvLookup& env) {
  refuse_unknown_settings(
      d, {"account_sid", "auth_token", "base_url", "messaging_service_sid", "report_url"});
  TwilioConfig c;
  c.account_sid = required_string(d, "account_sid", env);
  c.auth_token = required_secret(d, "auth_token", env);
  c.base_url =
      without_trailing_slash(optional_string(d, "base_url", "https://api.twilio.com", env));
  require_http_url(d, "base_url", c.base_url);
  c.messaging_service_sid = optional_string(d, "messaging_service_sid", "", env);
  c.report_url = optional_string(d, "report_url", "", env);
  if (!c.report_url.empty()) require_http_url(d, "report_url", c.report_url);
  return std::make_unique<TwilioProtocol>(std::move(c));
}

}  // namespace otpgate::gateways
