// Shared by the Vonage protocol's tests: its secrets and settings, a protocol built from them,
// messages and answers, a delivery receipt signed as Vonage signs it, and its readers.
#pragma once

#include "gateways/vonage/vonage_protocol.hpp"

#include "otpgate/crypto/digest.hpp"

#include "support/fakes/vendor_protocol.hpp"
#include "otpgate/core/sms_encoding.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace otpgate::test::vonage {

using namespace otpgate::gateways;

inline const std::string api_secret = "vonage-api-secret-0001";
inline const std::string sig_secret = "vonage-sig-secret-0001";
inline const std::string report_url = "https://otp.example.com/v1/gateways/vonage/delivery-reports";
inline const std::string verification_id = "vf_t4g5h6j7k8abcdefghijklmnopqrstuvwxyz";
inline const std::string code_text = "Your Acme code is 482913";
inline constexpr std::int64_t dlr_time_ms = 1'582'650'446'000;  // the receipt's "timestamp" below

inline EnvLookup fake_env(std::map<std::string, std::string> vars = {{"VONAGE_SECRET", api_secret},
                                                                     {"VONAGE_SIG", sig_secret}}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline nlohmann::json base_settings() {
  return {{"api_key", "abcd1234"},
          {"api_secret", "${VONAGE_SECRET}"},
          {"signature_secret", "${VONAGE_SIG}"}};
}

inline GatewayDefinition definition(nlohmann::json settings) {
  return test::gateway_definition("vonage-eu", "vonage", std::move(settings));
}

inline std::unique_ptr<VendorProtocol> protocol(nlohmann::json settings = base_settings()) {
  return make_vonage_protocol(definition(std::move(settings)), fake_env());
}

inline SmsMessage message(std::string text = code_text) {
  return test::sms("+4915112345678", std::move(text), verification_id);
}

inline HttpResponse response(int status, std::string body, Fields headers = {}) {
  headers.emplace_back("content-type", "application/json");
  return HttpResponse{.status = status, .headers = std::move(headers), .body = std::move(body)};
}

inline std::string one_message(const std::string& status, const std::string& extra = "") {
  return R"({"message-count":"1","messages":[{"to":"4915112345678","status":")" + status + "\"" +
         extra + "}]}";
}

inline void check_safe(const std::string& text) {
  CAPTURE(text);
  CHECK(text.find(api_secret) == std::string::npos);
  CHECK(text.find(sig_secret) == std::string::npos);
  CHECK(text.find("482913") == std::string::npos);
  CHECK(text.find("15112345678") == std::string::npos);
}

inline std::string exception_message(const nlohmann::json& settings, const EnvLookup& env) {
  return test::factory_error(make_vonage_protocol, definition(settings), env);
}

// A delivery receipt as Vonage documents its fields, signed (sha256 HMAC, secret sig_secret).
inline Fields receipt() {
  return {{"msisdn", "4915112345678"},
          {"to", "Acme"},
          {"network-code", "26201"},
          {"messageId", "0A0000001234567B"},
          {"price", "0.03330000"},
          {"status", "delivered"},
          {"scts", "2002251707"},
          {"err-code", "0"},
          {"client-ref", verification_id},
          {"message-timestamp", "2020-02-25 17:07:26"},
          {"timestamp", "1582650446"},
          {"nonce", "ec11dd3e-1e7f-4db5-9467-82b02cd223b9"},
          // Computed outside this code, over the sorted "&name=value" string:
          // printf '%s' '&client-ref=vf_...&err-code=0&...&to=Acme' |
          //   openssl dgst -sha256 -hmac vonage-sig-secret-0001
          // (cross-checked with Python's hmac module).
          {"sig", "bdfbbd5b26270fe645ce6c70a19194201fbd6474b0714ef22749438ff7611f22"}};
}

inline InboundReport get_report(const Fields& params, std::int64_t now_ms = dlr_time_ms + 60'000) {
  InboundReport r;
  r.url = report_url;
  r.query = form_encode(params);
  r.now_ms = now_ms;
  return r;
}

// A POST receipt, as a form body or (the account's "POST-JSON" setting) a JSON object.
inline InboundReport post_report(const Fields& params, bool json) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : params) j[k] = v;
  InboundReport r;
  r.url = report_url;
  r.headers = {{"content-type", json ? "application/json" : "application/x-www-form-urlencoded"}};
  r.body = json ? j.dump() : form_encode(params);
  r.now_ms = dlr_time_ms;
  return r;
}

inline Fields with(Fields f, const std::string& key, const std::string& value) {
  for (auto& [k, v] : f)
    if (k == key) v = value;
  return f;
}

inline Fields without(Fields f, const std::string& key) {
  std::erase_if(f, [&](const auto& kv) { return kv.first == key; });
  return f;
}

// Signs as the signing guide spells it, by hand: the caller lists the pairs already sorted and
// free of '&' and '=' in values; HMAC-SHA256 keyed by the signature secret, hex.
inline std::string sign_by_hand(const Fields& sorted) {
  std::string data;
  for (const auto& [k, v] : sorted) data += "&" + k + "=" + v;
  return crypto::hex_lower(crypto::hmac(crypto::DigestAlgorithm::sha256, sig_secret, data));
}

}  // namespace otpgate::test::vonage
