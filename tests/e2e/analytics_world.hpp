// Shared by the analytics e2e tests: a brand of its own sending through a fake Twilio (which
// refuses one chosen number), keys of every role, and stats read as deltas.
#pragma once

#include "gateway_world.hpp"

#include <atomic>
#include <mutex>
#include <thread>

namespace otpgate::test::analytics_e2e {

using namespace otpgate::test::gateway_e2e;

// A valid Austrian mobile number no other test uses.
inline std::string austrian_phone() {
  std::string d = fresh_phone().substr(6);  // the 8 unique digits of a German one
  return "+43664" + d.substr(1);
}

// A code of the same shape that is not `code`.
inline std::string wrong_code(const std::string& code) {
  std::string w = code;
  w[0] = w[0] == '9' ? '0' : static_cast<char>(w[0] + 1);
  return w;
}

inline std::int64_t at(const nlohmann::json& j, const std::string& pointer) {
  const nlohmann::json::json_pointer p(pointer);
  return j.contains(p) && j[p].is_number() ? j[p].get<std::int64_t>() : 0;
}

inline std::int64_t delta(const nlohmann::json& before, const nlohmann::json& after,
                          const std::string& pointer) {
  return at(after, pointer) - at(before, pointer);
}

// A breakdown row's count ("by_gateway", key "gateway", value "tw", field "sent").
inline std::int64_t row_value(const nlohmann::json& s, const std::string& table,
                              const std::string& key, const std::string& value,
                              const std::string& field) {
  if (!s.contains(table)) return 0;
  for (const auto& row : s[table])
    if (row.value(key, "") == value) return row.value(field, std::int64_t{0});
  return 0;
}

inline std::int64_t row_delta(const nlohmann::json& before, const nlohmann::json& after,
                              const std::string& table, const std::string& key,
                              const std::string& value, const std::string& field) {
  return row_value(after, table, key, value, field) - row_value(before, table, key, value, field);
}

struct MixWorld {
  TempBrands brands;
  std::string brand = unique_brand("mix");
  std::string failing_number;  // the fake gateway refuses this one (permanently)
  mutable std::mutex mutex;
  std::map<std::string, std::string> phone_of;  // verification id -> phone
  FakeHttpServer twilio{[this](const RecordedRequest& r) {
    std::lock_guard lock(mutex);
    return form_field(r.body, "To") == failing_number ? twilio_bad_number(r) : twilio_accepts(r);
  }};
  std::optional<OtpgateProcess> otpgate;

  std::vector<std::string> others;  // more brands of the deployment (keys "shop:<brand>")

  explicit MixWorld(const std::string& code = R"({"max_attempts":3})",
                    const std::string& extra = "", std::map<std::string, std::string> env = {},
                    int other_brands = 0) {
    for (int i = 0; i < other_brands; ++i) {
      others.push_back(unique_brand("mix-other"));
      brands.add(others.back(), R"({"display_name":"Other","sender_id":"Other","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["tw"]})");
      brands.add_key("shop:" + others.back(), others.back(), "shop");
      brands.add_key("analyst:" + others.back(), others.back(), "analyst");
    }
    brands.add(brand, R"({"display_name":"Mix","sender_id":"Mix","locales":["en"],
      "default_locale":"en","allowed_countries":["DE","AT"],"gateways":["tw"],"code":)" +
                          code + R"(,"lock":{"max_failed_checks":3},
      "limits":{"ip_creates_per_hour":1,"phone_sends_per_10_minutes":5})" +
                          extra + "}");
    brands.add_key("shop", brand, "shop");
    brands.add_key("support", brand, "support");
    brands.add_key("analyst", brand, "analyst");
    brands.add_key("manager", brand, "brand_manager");
    brands.add_key("admin", "*", "admin");
    std::ofstream(brands.dir() + "/gateways.json")
        << nlohmann::json{{"gateways", {{"tw", twilio_gateway(twilio)}}}};
    OtpgateOptions o = brands.options();
    o.env["OTPGATE_GATEWAYS_FILE"] = brands.dir() + "/gateways.json";
    o.env["E2E_TWILIO_TOKEN"] = auth_token;
    for (auto& [k, v] : env) o.env[k] = v;
    otpgate.emplace(o);
  }

  std::string url(const std::string& path) const { return otpgate->base_url() + path; }

  HttpResponse create_raw(const nlohmann::json& body, const std::string& key_id = "shop") {
    const auto r = http_post_json(url("/v1/verifications"), body, {bearer(brands.key(key_id))});
    if (r.status == 201 || r.status == 502) {
      // A refused send answers with the verification as a detail.
      const auto j = r.json();
      const std::string id = r.status == 201 ? j["id"] : j["verification"]["id"];
      std::lock_guard lock(mutex);
      phone_of[id] = body["phone_number"];
    }
    return r;
  }
  std::string create(const std::string& phone) {
    const auto r = create_raw({{"phone_number", phone}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    return r.json()["id"];
  }
  // The code of the newest SMS the fake gateway took for the verification's phone.
  std::string code_of(const std::string& id) const {
    std::string phone;
    {
      std::lock_guard lock(mutex);
      phone = phone_of.at(id);
    }
    std::string code;
    for (const auto& r : twilio.requests())
      if (form_field(r.body, "To") == phone) code = first_digits(form_field(r.body, "Body"), 6);
    return code;
  }
  HttpResponse check(const std::string& id, const std::string& code,
                     const std::string& key_id = "shop") const {
    return http_post_json(url("/v1/verifications/" + id + "/check"), {{"code", code}},
                          {bearer(brands.key(key_id))});
  }
  HttpResponse stats_raw(const std::string& query = "", const std::string& key_id = "analyst",
                         const std::string& of = "") const {
    const std::string path = "/v1/brands/" + (of.empty() ? brand : of) + "/stats";
    return http_get(url(path + (query.empty() ? "" : "?" + query)), {bearer(brands.key(key_id))});
  }
  nlohmann::json stats(const std::string& query = "") const {
    const auto r = stats_raw(query);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json();
  }
  // Polls the stats until pred holds (events are recorded just after each answer).
  nlohmann::json wait_stats(const std::function<bool(const nlohmann::json&)>& pred,
                            const std::string& query = "",
                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    nlohmann::json s = stats(query);
    while (!pred(s) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      s = stats(query);
    }
    INFO(s.dump());
    REQUIRE(pred(s));
    return s;
  }
};

}  // namespace otpgate::test::analytics_e2e
