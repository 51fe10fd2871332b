#include "sinch_protocol.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/crypto/openssl.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace otpgate::gateways {
namespace {

using nlohmann::json;

constexpr const char* default_base_url = "https://us.sms.api.sinch.com";
// Sinch asks receivers to check that the signature timestamp is "within an acceptable time
// window"; five minutes covers clock skew and Sinch's own retry without the first backoff step
// (5 s) being refused, and bounds how long a captured callback can be replayed.
constexpr std::int64_t max_signature_age_ms = 5 * 60 * 1000;

// Unix seconds as Sinch sends them in x-sinch-webhook-signature-timestamp.
std::optional<std::int64_t> unix_seconds(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::stoll(std::string(s));
}

std::optional<crypto::DigestAlgorithm> hmac_algorithm(std::string_view name) {
  // The header is documented as always present; when a proxy drops it, HMAC-SHA256 (the only
  // algorithm Sinch is known to use) still has to match, so nothing is weakened.
  if (name.empty() || name == "HmacSHA256") return crypto::DigestAlgorithm::sha256;
  if (name == "HmacSHA512") return crypto::DigestAlgorithm::sha512;
  return std::nullopt;
}

// Sinch callback signing (SMS callbacks with HMAC enabled on the service plan, the same scheme
// as Conversation API webhooks): x-sinch-webhook-signature is
// base64(HMAC(secret, raw body + "." + nonce + "." + timestamp)), with the nonce, the timestamp
// and the algorithm in their own x-sinch-webhook-signature-* headers.
bool signature_valid(const InboundReport& r, std::string_view secret) {
  const std::string signature = header_of(r.headers, "x-sinch-webhook-signature");
  const std::string nonce = header_of(r.headers, "x-sinch-webhook-signature-nonce");
  const std::string timestamp = header_of(r.headers, "x-sinch-webhook-signature-timestamp");
  const auto alg = hmac_algorithm(header_of(r.headers, "x-sinch-webhook-signature-algorithm"));
  const auto seconds = unix_seconds(timestamp);
  if (signature.empty() || nonce.empty() || !seconds || !alg) return false;
  if (std::llabs(r.now_ms - *seconds * 1000) > max_signature_age_ms) return false;
  const std::string signed_data = r.body + "." + nonce + "." + timestamp;
  const std::string expected = crypto::base64_encode(crypto::hmac(*alg, secret, signed_data));
  return crypto::constant_time_equal(expected, signature);
}

// Sinch's delivery report statuses ("Delivery report statuses"). Queued and Dispatched are
// intermediate. Expired: the handset stayed unreachable, a resend elsewhere may reach it
// (undelivered). Failed, Aborted, Rejected, and Deleted (the remote SMSC dropped it: invalid or
// opted-out number) and Cancelled (never reached the SMSC; otpgate does not cancel batches) are
// final refusals (failed). Unknown (no usable receipt) says nothing: ignored.
std::optional<DeliveryStatus> status_of(std::string_view s) {
  if (s == "Delivered") return DeliveryStatus::delivered;
  if (s == "Expired") return DeliveryStatus::undelivered;
  if (s == "Failed" || s == "Aborted" || s == "Rejected" || s == "Deleted" || s == "Cancelled")
    return DeliveryStatus::failed;
  if (s == "Queued" || s == "Dispatched") return DeliveryStatus::accepted;
  return std::nullopt;
}

class SinchProtocol final : public VendorProtocol {
 public:
  SinchProtocol(const GatewayDefinition& d, const EnvLookup& env)
      : batches_url_(base_url_setting(d, default_base_url, env) + "/xms/v1/" +
                     url_encode(required_string(d, "service_plan_id", env)) + "/batches"),
        api_token_(required_secret(d, "api_token", env)),
        webhook_secret_(required_secret(d, "webhook_secret", env)),
        report_url_(optional_string(d, "report_url", "", env)) {}

  HttpRequest build_send(const SmsMessage& m) const override {
    json body = {{"to", json::array({m.to})},
                 {"body", m.text.reveal()},
                 {"client_reference", m.verification_id}};
    // "from" may be left out when the service plan has a default originator.
    if (!m.sender_id.empty()) body["from"] = m.sender_id;
    // Asking for a report without any callback URL is refused with 403 missing_callback_url, so
    // reports are requested only where otpgate's report_url is configured. per_recipient (not
    // per_recipient_final) also reports Dispatched, which shows the SMS left Sinch.
    if (report_url_.empty()) {
      body["delivery_report"] = "none";
    } else {
      body["delivery_report"] = "per_recipient";
      body["callback_url"] = report_url_;
    }
    return json_post(batches_url_, "Bearer " + api_token_.reveal(), body);
  }

  // 201 Created with the batch; its "id" is the batch_id of the delivery reports. Errors are
  // {"code": "...", "text": "..."}: 400 (syntax_invalid_json, syntax_invalid_parameter_format,
  // syntax_constraint_violation), 401 and 403 (unknown_group, missing_callback_url, ...) cannot
  // succeed on a retry (permanent); 429 and 5xx are transient, with Retry-After. The text can
  // echo the number, so only the code reaches the reason.
  SendAttempt parse_send(const HttpResponse& r, std::int64_t now_ms) const override {
    const json body = json::parse(r.body, nullptr, false);
    if (auto ok = accepted_with_id(r, body, "batch id")) return *ok;
    SendAttempt a = classify_http_failure(r, now_ms);
    const std::string code = log_token(string_member(body, "code"));
    if (!code.empty()) a.reason += " " + code;
    return a;
  }

  ReportResult parse_report(const InboundReport& r) const override {
    ReportResult out;
    if (!signature_valid(r, webhook_secret_.reveal())) {
      out.what = ReportResult::kind::bad_signature;
      return out;
    }
    const json body = json::parse(r.body, nullptr, false);
    const std::string type = string_member(body, "type");
    if (type.empty()) return out;  // malformed
    // Inbound SMS (mo_text, mo_binary) and batch summaries are not delivery reports of ours.
    if (type != "recipient_delivery_report_sms") {
      out.what = ReportResult::kind::ignored;
      return out;
    }
    const std::string status = string_member(body, "status");
    out.report.message_id = string_member(body, "batch_id");
    out.report.reference = string_member(body, "client_reference");
    if (status.empty() || (out.report.message_id.empty() && out.report.reference.empty()))
      return out;  // malformed
    const auto code = body.find("code");
    out.report.reason = log_token(status);
    if (code != body.end() && code->is_number_integer())
      out.report.reason += " " + std::to_string(code->get<std::int64_t>());
    const auto mapped = status_of(status);
    out.what = mapped ? ReportResult::kind::ok : ReportResult::kind::ignored;
    if (mapped) out.report.status = *mapped;
    return out;
  }

 private:
  std::string batches_url_;
  Secret<std::string> api_token_;
  Secret<std::string> webhook_secret_;
  std::string report_url_;
};

}  // namespace

std::unique_ptr<VendorProtocol> make_sinch_protocol(const GatewayDefinition& d,
                                                    const EnvLookup& env) {
  // Unknown keys first: a misspelt key is reported as such, not as a missing required one.
  refuse_unknown_settings(
      d, {"service_plan_id", "api_token", "webhook_secret", "base_url", "report_url"});
  return std::make_unique<SinchProtocol>(d, env);
}

}  // namespace otpgate::gateways
