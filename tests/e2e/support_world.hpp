// Shared by the support e2e tests (support_test.cpp, support_retry_test.cpp): a brand of its own
// that locks a phone at the third wrong code, another brand, the keys of every role, and the
// requests support makes.
#pragma once

#include "e2e_helpers.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace otpgate::test {

// Brand A locks a phone at the third wrong code; brand B is another brand.
struct SupportWorld {
  TempBrands brands;
  std::string brand = unique_brand("sup");
  std::string other = unique_brand("sob");

  SupportWorld() {
    brands.add(brand, R"({"display_name":"Supco","sender_id":"Supco","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
        "lock":{"max_failed_checks":3,"window_seconds":600,"duration_seconds":600}})");
    brands.add(other, R"({"display_name":"Other","sender_id":"Other","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})");
    brands.add_key("support", brand, "support");
    brands.add_key("support-all", "*", "support");
    brands.add_key("other-support", other, "support");
    brands.add_key("shop", brand, "shop");
    brands.add_key("manager", brand, "brand_manager");
    brands.add_key("admin", "*", "admin");
  }
  Headers as(const std::string& key_id) const { return {bearer(brands.key(key_id))}; }
  std::string url(const OtpgateProcess& p, const std::string& phone,
                  const std::string& tail = "") const {
    return p.base_url() + "/v1/brands/" + brand + "/subscribers/" + phone + tail;
  }
  HttpResponse lookup(const OtpgateProcess& p, const std::string& phone,
                      const std::string& key_id = "support") const {
    return http_get(url(p, phone), as(key_id));
  }
  HttpResponse unlock(const OtpgateProcess& p, const std::string& phone, const std::string& body,
                      const std::string& key_id = "support",
                      const std::string& idempotency_key = "") const {
    Headers h = as(key_id);
    h.emplace_back("Content-Type", "application/json");
    if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
    return http_request("POST", url(p, phone, "/unlock"), h, body);
  }
  HttpResponse create(const OtpgateProcess& p, const std::string& phone) const {
    return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}},
                          as("shop"));
  }
  HttpResponse check(const OtpgateProcess& p, const std::string& id,
                     const std::string& code) const {
    return http_post_json(p.base_url() + "/v1/verifications/" + id + "/check", {{"code", code}},
                          as("shop"));
  }
};

inline std::string wrong_code_for(const std::string& code) {
  std::string wrong = code;
  wrong[0] = wrong[0] == '1' ? '2' : '1';
  return wrong;
}

}  // namespace otpgate::test
