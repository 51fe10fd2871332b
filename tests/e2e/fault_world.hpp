// Shared by the fault e2e tests (log flood, gateway pool): a brand of its own (the test Redis
// is shared, so no other test's sends count against its limits), sending through the gateways
// of a gateways file, with its limits and pumping watch off so a burst of creates is admitted.
#pragma once

#include "gateway_world.hpp"

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace otpgate::test::fault_e2e {

struct OwnBrandWorld {
  TempBrands brands;
  std::string brand = unique_brand_now("fault");
  OtpgateOptions options;
  std::optional<OtpgateProcess> otpgate;

  OwnBrandWorld(const nlohmann::json& gateway_defs, const std::vector<std::string>& order,
                const std::map<std::string, std::string>& env,
                const nlohmann::json& delivery = nlohmann::json::object(),
                const nlohmann::json& code = nlohmann::json::object()) {
    nlohmann::json doc = {
        {"display_name", "Fault"},
        {"sender_id", "Fault"},
        {"locales", {"en"}},
        {"default_locale", "en"},
        {"allowed_countries", {"DE"}},
        {"gateways", order},
        {"delivery", delivery},
        {"limits", {{"prefix_sends_per_hour", 0}, {"brand_sends_per_minute", 0}}},
        {"pumping", {{"factor", 0}}}};
    if (!code.empty()) doc["code"] = code;
    brands.add(brand, doc.dump());
    brands.add_key("shop", brand, "shop");
    std::ofstream(brands.dir() + "/gateways.json") << nlohmann::json{{"gateways", gateway_defs}};
    options = brands.options();
    options.env["OTPGATE_GATEWAYS_FILE"] = brands.dir() + "/gateways.json";
    options.env["E2E_TWILIO_TOKEN"] = gateway_e2e::auth_token;
    for (const auto& [k, v] : env) options.env[k] = v;
    otpgate.emplace(options);
  }

  // A new process with the same configuration (the old one must have exited).
  void restart() {
    otpgate.reset();
    otpgate.emplace(options);
  }

  HttpResponse create(const std::string& phone) const {
    return http_post_json(otpgate->base_url() + "/v1/verifications", {{"phone_number", phone}},
                          {bearer(brands.key("shop"))});
  }

  std::vector<nlohmann::json> log_lines(const std::string& msg) const;
};

// The log's lines whose msg is `msg`, parsed (any OtpgateProcess).
inline std::vector<nlohmann::json> lines_with_msg(const OtpgateProcess& p, const std::string& msg) {
  std::vector<nlohmann::json> out;
  std::istringstream in(p.log_text());
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) out.push_back(j);
  }
  return out;
}

inline std::vector<nlohmann::json> OwnBrandWorld::log_lines(const std::string& msg) const {
  return lines_with_msg(*otpgate, msg);
}

}  // namespace otpgate::test::fault_e2e
