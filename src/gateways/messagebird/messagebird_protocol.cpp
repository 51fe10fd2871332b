#include "messagebird_protocol.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/crypto/openssl.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace otpgate::gateways {
namespace {

using nlohmann::json;

constexpr const char* default_base_url = "https://rest.messagebird.com";
// MessageBird's own validators (messagebird/go-rest-api signature_jwt/claims.go) allow one
// second of clock skew on nbf and exp; the token itself is valid for 60 s.
constexpr std::int64_t jwt_leeway_ms = 1'000;

std::string sha256_hex(std::string_view data) {
  return crypto::hex_lower(crypto::digest(crypto::DigestAlgorithm::sha256, data));
}

std::optional<json> decode_json_part(std::string_view b64) {
  const auto raw = crypto::base64url_decode(b64);
  if (!raw) return std::nullopt;
  json j = json::parse(*raw, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

// The claims MessageBird puts in MessageBird-Signature-JWT ("Verify HTTP requests"): iss is
// "MessageBird", nbf/exp bound the validity, jti is set, url_hash is the hex SHA-256 of the full
// URL it called, payload_hash the hex SHA-256 of the body, present exactly when there is a body.
bool claims_valid(const json& c, const InboundReport& r) {
  if (string_member(c, "iss") != "MessageBird" || string_member(c, "jti").empty()) return false;
  const auto nbf = c.find("nbf");
  const auto exp = c.find("exp");
  if (nbf == c.end() || exp == c.end() || !nbf->is_number_integer() || !exp->is_number_integer())
    return false;
  if (r.now_ms < nbf->get<std::int64_t>() * 1000 - jwt_leeway_ms) return false;
  if (r.now_ms > exp->get<std::int64_t>() * 1000 + jwt_leeway_ms) return false;
  if (!crypto::constant_time_equal(string_member(c, "url_hash"), sha256_hex(r.url))) return false;
  const std::string payload_hash = string_member(c, "payload_hash");
  if (r.body.empty()) return payload_hash.empty();
  return crypto::constant_time_equal(payload_hash, sha256_hex(r.body));
}

// An HS256 JWT (RFC 7519) signed with the signing key. The algorithm is pinned: MessageBird
// documents HMAC-SHA256, and accepting the token's own "alg" would allow "none".
bool jwt_valid(std::string_view token, std::string_view key, const InboundReport& r) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return false;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return false;
  const auto header = decode_json_part(token.substr(0, dot1));
  if (!header || string_member(*header, "alg") != "HS256") return false;
  const std::string expected = crypto::base64url_encode(
      crypto::hmac(crypto::DigestAlgorithm::sha256, key, token.substr(0, dot2)));
  if (!crypto::constant_time_equal(expected, token.substr(dot2 + 1))) return false;
  const auto claims = decode_json_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  return claims && claims_valid(*claims, r);
}

// MessageBird's status words ("Handle a status report"): scheduled, sent and buffered are on the
// way; delivered is final; expired means the handset stayed unreachable for the validity period
// (worth a resend elsewhere: undelivered); delivery_failed is a refusal (failed).
std::optional<DeliveryStatus> status_of(std::string_view s) {
  if (s == "delivered") return DeliveryStatus::delivered;
  if (s == "expired") return DeliveryStatus::undelivered;
  if (s == "delivery_failed") return DeliveryStatus::failed;
  if (s == "scheduled" || s == "sent" || s == "buffered") return DeliveryStatus::accepted;
  return std::nullopt;
}

std::string field_of(const Fields& fields, std::string_view key) {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return "";
}

// Status reports arrive as a GET with query parameters; a POSTed form is read the same way.
std::optional<Fields> report_fields(const InboundReport& r) {
  auto fields = form_decode(r.query);
  if (fields && !field_of(*fields, "status").empty()) return fields;
  if (r.body.empty()) return fields;
  return form_decode(r.body);
}

class MessagebirdProtocol final : public VendorProtocol {
 public:
  MessagebirdProtocol(const GatewayDefinition& d, const EnvLookup& env)
      : access_key_(required_secret(d, "access_key", env)),
        signing_key_(required_secret(d, "signing_key", env)),
        base_url_(base_url_setting(d, default_base_url, env)),
        report_url_(optional_string(d, "report_url", "", env)) {}

  HttpRequest build_send(const SmsMessage& m) const override {
    // recipients are MSISDNs: the E.164 digits without '+'. A string keeps long numbers exact.
    const std::string msisdn = m.to.rfind('+', 0) == 0 ? m.to.substr(1) : m.to;
    json body = {{"originator", m.sender_id},
                 {"recipients", json::array({msisdn})},
                 {"body", m.text.reveal()},
                 {"reference", m.verification_id},
                 // "auto": MessageBird picks plain (GSM 03.38) or unicode from the text, so a
                 // brand name with non-GSM letters is not mangled and plain texts stay cheap.
                 {"datacoding", "auto"}};
    // MessageBird sends status reports only for messages that carry a reference.
    if (!report_url_.empty()) body["reportUrl"] = report_url_;
    return json_post(base_url_ + "/messages", "AccessKey " + access_key_.reveal(), body);
  }

  SendAttempt parse_send(const HttpResponse& r, std::int64_t now_ms) const override {
    const json body = json::parse(r.body, nullptr, false);
    // 201 Created with the message object; its "id" is what status reports carry.
    if (auto ok = accepted_with_id(r, body, "message id")) return *ok;
    SendAttempt a = classify_http_failure(r, now_ms);
    append_vendor_error(body, r, now_ms, a);
    return a;
  }

  ReportResult parse_report(const InboundReport& r) const override {
    ReportResult out;
    const std::string token = header_of(r.headers, "messagebird-signature-jwt");
    if (token.empty() || !jwt_valid(token, signing_key_.reveal(), r)) {
      out.what = ReportResult::kind::bad_signature;
      return out;
    }
    const auto fields = report_fields(r);
    const std::string status = fields ? field_of(*fields, "status") : "";
    if (status.empty()) return out;  // out.what is malformed until the report reads
    out.report.message_id = field_of(*fields, "id");
    out.report.reference = field_of(*fields, "reference");
    if (out.report.message_id.empty() && out.report.reference.empty()) return out;
    const std::string code = log_token(field_of(*fields, "statusErrorCode"));
    out.report.reason = log_token(status) + (code.empty() ? "" : " " + code);
    const auto mapped = status_of(status);
    out.what = mapped ? ReportResult::kind::ok : ReportResult::kind::ignored;
    if (mapped) out.report.status = *mapped;
    return out;
  }

 private:
  // Error bodies are {"errors":[{"code":..,"description":..,"parameter":..}]} (API "Errors").
  // The HTTP status decides retrying (429 and 5xx transient, other 4xx permanent): code 2
  // (request not allowed, bad access key), 9/10 (missing/invalid parameters), 20 (not found),
  // 21 (bad request) cannot succeed on a retry; 25 (not enough balance) will not either until
  // someone tops up, so the next gateway should take the SMS now. Code 99 is MessageBird's
  // internal error: transient whatever the status. The description can echo the request (the
  // number), so only the code and the parameter's name reach the reason.
  static void append_vendor_error(const json& body, const HttpResponse& r, std::int64_t now_ms,
                                  SendAttempt& a) {
    if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array() ||
        body["errors"].empty())
      return;
    const json& e = body["errors"][0];
    if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer()) return;
    const auto code = e["code"].get<std::int64_t>();
    a.reason += " code " + std::to_string(code);
    const std::string parameter = log_token(string_member(e, "parameter"));
    if (!parameter.empty()) a.reason += " " + parameter;
    if (code == 99 && a.outcome != SendOutcome::transient) {
      a.outcome = SendOutcome::transient;
      a.retry_after = parse_retry_after(r.header("retry-after"), now_ms);
    }
  }

  Secret<std::string> access_key_;
  Secret<std::string> signing_key_;
  std::string base_url_;
  std::string report_url_;
};

}  // namespace

std::unique_ptr<VendorProtocol> make_messagebird_protocol(const GatewayDefinition& d,
                                                          const EnvLookup& env) {
  // Unknown keys first: a misspelt "acess_key" is reported as such, not as a missing access_key.
  refuse_unknown_settings(d, {"access_key", "signing_key", "base_url", "report_url"});
  return std::make_unique<MessagebirdProtocol>(d, env);
}

}  // namespace otpgate::gateways
