// Shared by the gateway e2e tests: fake vendor answers, a brand "acme" sending through
// gateways configured in a gateways file, and signed delivery reports as the vendors send them.
#pragma once

#include "e2e_helpers.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/gateways/http.hpp"
#include "support/fake_http_server.hpp"

#include <algorithm>
#include <optional>

namespace otpgate::test::gateway_e2e {

using otpgate::crypto::DigestAlgorithm;

inline constexpr const char* account_sid = "AC00000000000000000000000000000001";
inline constexpr const char* auth_token = "twilio-auth-token-e2e-secret";
inline constexpr const char* generic_secret = "generic-report-secret-e2e";

inline FakeReply twilio_accepts(const RecordedRequest&) {
  return {.status = 201,
          .headers = {{"Content-Type", "application/json"}},
          .body = R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"})"};
}

inline FakeReply twilio_busy(const RecordedRequest&) {
  return {.status = 503, .body = R"({"code":20503,"message":"Service unavailable"})"};
}

inline FakeReply twilio_bad_number(const RecordedRequest&) {
  return {.status = 400, .body = R"({"code":21211,"message":"Invalid 'To' Phone Number"})"};
}

inline nlohmann::json twilio_gateway(const FakeHttpServer& fake) {
  return {{"type", "twilio"},
          {"account_sid", account_sid},
          {"auth_token", "${E2E_TWILIO_TOKEN}"},
          {"base_url", fake.base_url()}};
}

inline nlohmann::json generic_gateway(const FakeHttpServer& fake) {
  return {{"type", "generic"},
          {"url", fake.base_url() + "/send"},
          {"body", {{"to", "{{to}}"}, {"text", "{{text}}"}, {"ref", "{{reference}}"}}},
          {"message_id_pointer", "/id"},
          {"report",
           {{"secret", generic_secret},
            {"reference_pointer", "/ref"},
            {"status_pointer", "/state"},
            {"statuses", {{"DELIVRD", "delivered"}, {"UNDELIV", "undelivered"}}}}}};
}

// A brand "acme" sending through `gateways` (in order), configured in a gateways file.
struct World {
  TempBrands brands;
  std::optional<OtpgateProcess> otpgate;

  World(const nlohmann::json& gateway_defs, const std::vector<std::string>& order,
        const nlohmann::json& delivery = nlohmann::json::object(),
        const nlohmann::json& lock = nlohmann::json::object(),
        const nlohmann::json& code = nlohmann::json::object()) {
    nlohmann::json brand = {{"display_name", "Acme"},
                            {"sender_id", "Acme"},
                            {"locales", {"en"}},
                            {"default_locale", "en"},
                            {"allowed_countries", {"DE"}},
                            {"gateways", order},
                            {"delivery", delivery},
                            {"lock", lock},
                            {"code", code}};
    brands.add("acme", brand.dump());
    brands.add_key("shop", "acme", "shop");
    std::ofstream(brands.dir() + "/gateways.json") << nlohmann::json{{"gateways", gateway_defs}};
    OtpgateOptions o = brands.options();
    o.env["OTPGATE_GATEWAYS_FILE"] = brands.dir() + "/gateways.json";
    o.env["E2E_TWILIO_TOKEN"] = auth_token;
    otpgate.emplace(o);
  }

  HttpResponse create(const std::string& phone) const {
    return http_post_json(otpgate->base_url() + "/v1/verifications", {{"phone_number", phone}},
                          {bearer(brands.key("shop"))});
  }
  HttpResponse get(const std::string& id) const {
    return http_get(otpgate->base_url() + "/v1/verifications/" + id, {bearer(brands.key("shop"))});
  }
  HttpResponse check(const std::string& id, const std::string& code) const {
    return http_post_json(otpgate->base_url() + "/v1/verifications/" + id + "/check",
                          {{"code", code}}, {bearer(brands.key("shop"))});
  }
  std::string report_url(const std::string& gateway) const {
    return otpgate->base_url() + "/v1/gateways/" + gateway + "/delivery-reports";
  }
};

inline std::string form_field(const std::string& body, const std::string& name) {
  const auto fields = otpgate::gateways::form_decode(body);  // named: the loop must not dangle
  for (const auto& [k, v] : fields.value())
    if (k == name) return v;
  return "";
}

inline std::string first_digits(const std::string& text, std::size_t n) {
  for (std::size_t i = 0; i + n <= text.size(); ++i)
    if (std::all_of(text.begin() + static_cast<long>(i), text.begin() + static_cast<long>(i + n),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return text.substr(i, n);
  return "";
}

// X-Twilio-Signature as Twilio computes it: the URL, then each POST parameter sorted by name
// as name followed by value, HMAC-SHA1 under the auth token, base64.
inline std::string twilio_signature(const std::string& url,
                                    std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string data = url;
  for (const auto& [k, v] : params) data += k + v;
  return otpgate::crypto::base64_encode(
      otpgate::crypto::hmac(DigestAlgorithm::sha1, auth_token, data));
}

inline HttpResponse post_twilio_report(const World& w, const std::string& id,
                                       const std::string& status,
                                       const std::string& signature_override = "") {
  const std::string url = w.report_url("tw") + "?ref=" + id;
  const std::vector<std::pair<std::string, std::string>> params = {
      {"MessageSid", "SM0123456789abcdef0123456789abcdef"}, {"MessageStatus", status}};
  const std::string sig =
      signature_override.empty() ? twilio_signature(url, params) : signature_override;
  return http_request(
      "POST", url,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Twilio-Signature", sig}},
      otpgate::gateways::form_encode(params));
}

inline std::string generic_report(const std::string& id, const std::string& state) {
  return nlohmann::json{{"ref", id}, {"state", state}}.dump();
}

inline HttpResponse post_generic_report(const World& w, const std::string& gateway,
                                        const std::string& report) {
  const std::string sig = otpgate::crypto::hex_lower(
      otpgate::crypto::hmac(DigestAlgorithm::sha256, generic_secret, report));
  return http_request("POST", w.report_url(gateway),
                      {{"Content-Type", "application/json"}, {"X-Signature", sig}}, report);
}

}  // namespace otpgate::test::gateway_e2e
