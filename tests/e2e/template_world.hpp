// Shared by the template API's e2e tests: a brand of its own per test (and another brand), the
// otpgate serving them, and readers of a refusal's problems.
#pragma once

#include "e2e_helpers.hpp"
#include "support/redis_server.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace otpgate::test {

using nlohmann::json;

struct TemplateWorld {
  TempBrands brands;
  std::string brand = unique_brand("tpl");
  std::string other = unique_brand("oth");

  explicit TemplateWorld(const std::string& extra_policy = "") {
    brands.add(brand, R"({"display_name":"Tplco","sender_id":"Tplco","locales":["de","en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"])" +
                          extra_policy + "}");
    brands.add(other, R"({"display_name":"Other","sender_id":"Other","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})");
    write_template(brand, "en", "{{code}} is your Tplco code.");
    brands.add_key("manager", brand, "brand_manager");
    brands.add_key("manager2", brand, "brand_manager");
    brands.add_key("other-manager", other, "brand_manager");
    brands.add_key("shop", brand, "shop");
    brands.add_key("support", brand, "support");
    brands.add_key("admin", "*", "admin");
  }
  void write_template(const std::string& b, const std::string& locale, const std::string& text) {
    const std::string dir = brands.dir() + "/" + b + "/templates/" + locale;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/verification.txt") << text << "\n";
  }
  std::string url(const OtpgateProcess& p, const std::string& tail) const {
    return p.base_url() + "/v1/brands/" + brand + "/templates" + tail;
  }
  Headers as(const std::string& key_id, Headers extra = {}) const {
    extra.push_back(bearer(brands.key(key_id)));
    return extra;
  }
  HttpResponse put(const OtpgateProcess& p, const std::string& locale, const std::string& text,
                   const std::string& if_match, const std::string& key_id = "manager") const {
    Headers h = as(key_id, {{"Content-Type", "application/json"}});
    if (!if_match.empty()) h.emplace_back("If-Match", if_match);
    return http_request("PUT", url(p, "/" + locale), h, json{{"text", text}}.dump());
  }
  // The text of the newest SMS of a new verification in this brand.
  std::string sms_text(const OtpgateProcess& p, const std::string& locale = "en") const {
    const auto r =
        http_post_json(p.base_url() + "/v1/verifications",
                       {{"phone_number", fresh_phone()}, {"locale", locale}}, as("shop"));
    REQUIRE(r.status == 201);
    const std::string id = r.json()["id"];
    for (const auto& line : p.outbox_lines())
      if (line.value("verification_id", "") == id) return line.value("text", "");
    return "";
  }
};

inline std::vector<std::string> problem_codes(const HttpResponse& r) {
  std::vector<std::string> out;
  for (const auto& p : r.json().value("problems", json::array())) out.push_back(p["code"]);
  return out;
}

inline bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace otpgate::test
