// Shared steps of the end-to-end tests: start a verification, read its code from the outbox.
#pragma once

#include "support/http_client.hpp"
#include "support/otpgate_process.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>

namespace otpgate::test {

inline const std::string& shop_key() {
  static const std::string k = dev_keys().at("OTPGATE_DEMO_SHOP_KEY");
  return k;
}

// A valid German mobile number that no other test uses (distinct per call and per process).
inline std::string fresh_phone() {
  static std::atomic<unsigned> n{0};
  const unsigned v = (static_cast<unsigned>(::getpid()) * 7919U + n++ * 104729U) % 100000000U;
  std::string digits = std::to_string(v);
  digits.insert(0, 8 - digits.size(), '0');
  return "+49151" + digits;
}

inline HttpResponse start_verification(const OtpgateProcess& p, const std::string& phone,
                                       const Headers& extra = {}) {
  Headers h = {bearer(shop_key())};
  h.insert(h.end(), extra.begin(), extra.end());
  return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, h);
}

// The code in the newest outbox SMS for this verification id ("" when none was sent).
inline std::string code_from_outbox(const OtpgateProcess& p, const std::string& id) {
  std::string code;
  for (const auto& line : p.outbox_lines()) {
    if (line.value("verification_id", "") != id) continue;
    const std::string text = line.value("text", "");
    // Demo templates put the code first or after "code is"/"lautet": take the first run of
    // 6 digits.
    for (std::size_t i = 0; i + 6 <= text.size(); ++i) {
      bool digits = true;
      for (std::size_t j = 0; j < 6 && digits; ++j) digits = std::isdigit(text[i + j]) != 0;
      if (digits) {
        code = text.substr(i, 6);
        break;
      }
    }
  }
  return code;
}

inline HttpResponse check_code(const OtpgateProcess& p, const std::string& id,
                               const std::string& code) {
  return http_post_json(p.base_url() + "/v1/verifications/" + id + "/check", {{"code", code}},
                        {bearer(shop_key())});
}

}  // namespace otpgate::test
