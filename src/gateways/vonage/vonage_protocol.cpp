#include "vonage_protocol.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/core/sms_encoding.hpp"
#include "otpgate/crypto/openssl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace otpgate::gateways {
namespace {

using crypto::DigestAlgorithm;

// The dashboard's signature methods, named as Vonage's SDKs name them: "md5hash" is
// MD5(string + secret), the others are HMAC-<alg>(secret, string).
struct SignatureMethod {
  bool secret_suffix_md5 = false;
  DigestAlgorithm hmac_alg = DigestAlgorithm::sha256;
};

struct VonageConfig {
  std::string api_key;
  Secret<std::string> api_secret;
  Secret<std::string> signature_secret;
  SignatureMethod method;
  std::string base_url;  // without a trailing '/'
  std::string report_url;
};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::optional<SignatureMethod> parse_method(const std::string& name) {
  if (name == "md5hash") return SignatureMethod{.secret_suffix_md5 = true};
  if (name == "md5") return SignatureMethod{.hmac_alg = DigestAlgorithm::md5};
  if (name == "sha1") return SignatureMethod{.hmac_alg = DigestAlgorithm::sha1};
  if (name == "sha256") return SignatureMethod{.hmac_alg = DigestAlgorithm::sha256};
  if (name == "sha512") return SignatureMethod{.hmac_alg = DigestAlgorithm::sha512};
  return std::nullopt;
}

// SMS API error table ("Troubleshooting SMS" / API errors): 1 Throttled, 5 Internal Error and
// 10 Too Many Existing Binds ("back-off and retry") can pass. Everything else needs a person or
// a different number: 2/3 bad parameters, 4 invalid credentials, 6 invalid message, 7 number
// barred, 8 account barred, 9 partner quota violation (no credit: a top-up, not seconds, fixes
// it, so the next gateway should take the message now), 15 invalid sender, 29 non-whitelisted
// destination, 33 number deactivated, and codes this table does not know.
SendAttempt rejected(int status, const HttpResponse& r, std::int64_t now_ms) {
  SendAttempt a;
  a.reason = "vonage " + std::to_string(status);
  const bool transient = status == 1 || status == 5 || status == 10;
  a.outcome = transient ? SendOutcome::transient : SendOutcome::permanent;
  if (transient) a.retry_after = parse_retry_after(r.header("retry-after"), now_ms);
  return a;
}

// A message's "status": a string of digits ("0") in the documented answer.
std::optional<int> status_of(const nlohmann::json& message) {
  const auto it = message.find("status");
  if (it == message.end()) return std::nullopt;
  const std::string s = it->is_string()            ? it->get<std::string>()
                        : it->is_number_unsigned() ? std::to_string(it->get<std::uint64_t>())
                                                   : "";
  if (!all_digits(s) || s.size() > 4) return std::nullopt;
  return std::stoi(s);
}

// JSON values are strings in Vonage's schema; numbers and booleans are read as their text.
std::optional<Fields> json_fields(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  Fields out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_structured()) return std::nullopt;
    out.emplace_back(it.key(), it->is_string() ? it->get<std::string>()
                               : it->is_null() ? std::string()
                                               : it->dump());
  }
  return out;
}

// Receipts arrive as GET (query), POST form or POST-JSON, as the account's webhook setting says.
std::optional<Fields> report_params(const InboundReport& r) {
  if (r.body.empty()) return form_decode(r.query);
  const auto start = r.body.find_first_not_of(" \t\r\n");
  const bool json = header_of(r.headers, "content-type").find("json") != std::string::npos ||
                    (start != std::string::npos && r.body[start] == '{');
  return json ? json_fields(r.body) : form_decode(r.body);
}

// "Signing Messages", generating a signature: every parameter but sig, sorted by name, appended
// as "&name=value" with each '&' and '=' in a value replaced by '_'.
std::string signing_string(const Fields& params, bool keep_empty_values) {
  Fields sorted;
  for (const auto& [k, v] : params) {
    const bool blank = v.find_first_not_of(' ') == std::string::npos;
    if (k != "sig" && (keep_empty_values || !blank)) sorted.emplace_back(k, v);
  }
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (auto& [k, v] : sorted) {
    std::replace_if(
        v.begin(), v.end(), [](char c) { return c == '&' || c == '='; }, '_');
    out += '&' + k + '=' + v;
  }
  return out;
}

std::optional<DeliveryStatus> map_status(std::string_view s) {
  if (s == "delivered") return DeliveryStatus::delivered;
  if (s == "expired" || s == "rejected") return DeliveryStatus::undelivered;
  if (s == "failed") return DeliveryStatus::failed;
  if (s == "accepted" || s == "buffered") return DeliveryStatus::accepted;
  return std::nullopt;  // "unknown": the carrier said nothing yet
}

// A delivery receipt whose signature is already verified.
ReportResult read_receipt(const Fields& p) {
  ReportResult out;  // malformed until proven otherwise
  const std::string id = first_of(p, "messageId");
  const std::string status = first_of(p, "status");
  if (status.empty() && !first_of(p, "text").empty()) {
    out.what = ReportResult::kind::ignored;  // an inbound message sent to the same URL
    return out;
  }
  if (id.empty() || status.empty()) return out;
  out.report.message_id = id;
  out.report.reference = first_of(p, "client-ref");
  const std::string err = first_of(p, "err-code");
  out.report.reason = all_digits(err) && err != "0" ? err : status;
  const auto mapped = map_status(status);
  out.what = mapped ? ReportResult::kind::ok : ReportResult::kind::ignored;
  if (mapped) out.report.status = *mapped;
  return out;
}

class VonageProtocol final : public VendorProtocol {
 public:
  explicit VonageProtocol(VonageConfig c) : c_(std::move(c)) {}

  HttpRequest build_send(const SmsMessage& m) const override;
  SendAttempt parse_send(const HttpResponse& r, std::int64_t now_ms) const override;
  ReportResult parse_report(const InboundReport& r) const override;

 private:
  std::string sign(const std::string& data) const;
  bool signature_valid(const Fields& params, std::int64_t now_ms) const;

  VonageConfig c_;
};

// Send an SMS: api_key and api_secret in the form body (the documented basic method; a signed
// request would need the signature secret for sending too), "to" in international format
// without the leading '+', client-ref (up to 40 characters; ours are 39) and callback.
HttpRequest VonageProtocol::build_send(const SmsMessage& m) const {
  const std::string& text = m.text.reveal();
  Fields form{{"api_key", c_.api_key},
              {"api_secret", c_.api_secret.reveal()},
              {"from", m.sender_id},
              {"to", m.to.starts_with('+') ? m.to.substr(1) : m.to},
              {"text", text},
              // "text" unless a character is outside the GSM default and extension tables.
              {"type", fits_gsm7(text) ? "text" : "unicode"},
              {"client-ref", m.verification_id}};
  if (!c_.report_url.empty()) form.emplace_back("callback", c_.report_url);

  HttpRequest req;
  req.method = "POST";
  req.url = c_.base_url + "/sms/json";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = form_encode(form);
  return req;
}

// Vonage answers 200 for rejected messages too: the verdict is each part's "status" ("0" =
// accepted). A long text is split into parts, each with its own message-id; the first names it.
SendAttempt VonageProtocol::parse_send(const HttpResponse& r, std::int64_t now_ms) const {
  if (r.status < 200 || r.status >= 300) return classify_http_failure(r, now_ms);
  const auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  const auto messages = body.is_object() ? body.find("messages") : body.end();
  // Not the documented answer: whether the SMS left is unknown; a retry resends the same code.
  const SendAttempt unreadable{.outcome = SendOutcome::transient,
                               .reason = "vonage unreadable response"};
  if (messages == body.end() || !messages->is_array() || messages->empty()) return unreadable;
  for (const auto& part : *messages) {
    const auto status = part.is_object() ? status_of(part) : std::nullopt;
    if (!status) return unreadable;
    if (*status != 0) return rejected(*status, r, now_ms);
  }
  const auto id = messages->front().find("message-id");
  if (id == messages->front().end() || !id->is_string() || id->get<std::string>().empty())
    return unreadable;
  return SendAttempt{.outcome = SendOutcome::accepted, .message_id = id->get<std::string>()};
}

std::string VonageProtocol::sign(const std::string& data) const {
  const std::string& secret = c_.signature_secret.reveal();
  if (c_.method.secret_suffix_md5)
    return crypto::hex_lower(crypto::digest(DigestAlgorithm::md5, data + secret));
  return crypto::hex_lower(crypto::hmac(c_.method.hmac_alg, secret, data));
}

bool VonageProtocol::signature_valid(const Fields& params, std::int64_t now_ms) const {
  // Vonage's SDKs print HMACs in upper case and MD5 in lower case: compare case-insensitively.
  const std::string sig = lower(first_of(params, "sig"));
  const std::string timestamp = first_of(params, "timestamp");  // Unix seconds
  if (sig.empty() || !all_digits(timestamp) || timestamp.size() > 12) return false;
  // A signed request older or newer than 5 minutes is refused (replay defence; the window
  // Vonage's SDKs enforce).
  if (std::llabs(now_ms - std::stoll(timestamp) * 1000) > 5 * 60 * 1000) return false;
  const std::string full = signing_string(params, true);
  if (crypto::constant_time_equal(sig, sign(full))) return true;
  // Vonage's Java SDK leaves blank values out of the string; accept that form as well (both
  // forms need the secret).
  const std::string without_blanks = signing_string(params, false);
  return without_blanks != full && crypto::constant_time_equal(sig, sign(without_blanks));
}

ReportResult VonageProtocol::parse_report(const InboundReport& r) const {
  ReportResult out;
  out.what = ReportResult::kind::bad_signature;
  // The signature covers the decoded parameters: a body that does not decode cannot be verified.
  const auto params = report_params(r);
  if (!params || !signature_valid(*params, r.now_ms)) return out;
  return read_receipt(*params);
}

}  // namespace

std::unique_ptr<VendorProtocol> make_vonage_protocol(const GatewayDefinition& d,
                                                     const EnvLookup& env) {
  refuse_unknown_settings(d, {"api_key", "api_secret", "signature_secret", "signature_method",
                              "base_url", "report_url"});
  VonageConfig c;
  c.api_key = required_string(d, "api_key", env);
  c.api_secret = required_secret(d, "api_secret", env);
  c.signature_secret = required_secret(d, "signature_secret", env);
  const auto method = parse_method(optional_string(d, "signature_method", "sha256", env));
  if (!method)
    throw std::invalid_argument("/gateways/" + d.name +
                                "/signature_method: must be md5hash, md5, sha1, sha256 or sha512");
  c.method = *method;
  c.base_url = optional_string(d, "base_url", "https://rest.nexmo.com", env);
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  require_http_url(d, "base_url", c.base_url);
  c.report_url = optional_string(d, "report_url", "", env);
  if (!c.report_url.empty()) require_http_url(d, "report_url", c.report_url);
  return std::make_unique<VonageProtocol>(std::move(c));
}

}  // namespace otpgate::gateways
