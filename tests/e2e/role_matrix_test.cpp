// Every endpoint × every role × a key of the own brand, of the other brand and for all brands:
// who gets through, who gets 403, and that nothing another brand owns is found (404). Issue 5
// asks for this matrix; an endpoint added without its role check fails here.
#include "e2e_helpers.hpp"

#include "otpgate/api/route_table.hpp"

#include <algorithm>

#include <unistd.h>

#include <functional>

using namespace otpgate::test;
using nlohmann::json;

namespace {

const std::vector<std::string> roles = {"shop", "brand_manager", "support", "analyst", "admin"};

struct Endpoint {
  std::string name;
  std::string operation;  // the route's operationId in the route table
  // The roles that get through (with a key covering the brand) when they are narrower than the
  // route table's (a support call's verification is for support keys only); {} = the table's.
  std::set<std::string> only;
  // Sends the request for brand `brand` with `key`; returns the status.
  std::function<long(const std::string& brand, const std::string& key)> call;
  // Refused roles that get another status than 403 (a shop key does not see a support call's
  // verification at all: 404).
  std::map<std::string, long> refused_with = {};
};

// The roles the route table admits on the route with this operationId.
std::set<std::string> table_roles(const std::string& operation) {
  std::set<std::string> out;
  for (const auto& route : otpgate::api::routes()) {
    if (route.operation != operation) continue;
    for (const auto& role : roles)
      if (route.roles.contains(*otpgate::role_from_string(role))) out.insert(role);
  }
  return out;
}

}  // namespace

TEST_CASE("role matrix: every endpoint, role and brand boundary", "[e2e][roles]") {
  TempBrands brands;
  const std::string a = "mxa" + std::to_string(::getpid());
  const std::string b = "mxb" + std::to_string(::getpid());
  for (const auto& id : {a, b}) {
    brands.add(id, R"({"display_name":"Matrix","sender_id":"Matrix","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})");
    for (const auto& role : roles) brands.add_key(id + "-" + role, id, role);
  }
  for (const auto& role : roles) brands.add_key("all-" + role, "*", role);
  OtpgateProcess p(brands.options());
  const std::string base = p.base_url();
  const std::string shop_a = brands.key(a + "-shop");

  // A pending verification of brand a, new for each call (a cancel or check changes it).
  auto verification_of_a = [&] {
    const auto r = http_post_json(base + "/v1/verifications", {{"phone_number", fresh_phone()}},
                                  {bearer(shop_a)});
    REQUIRE(r.status == 201);
    return r.json()["id"].get<std::string>();
  };
  // A pending support_call verification of brand a.
  auto support_call_of_a = [&] {
    const auto r = http_post_json(
        base + "/v1/verifications",
        {{"phone_number", fresh_phone()}, {"purpose", "support_call"}, {"reason", "matrix"}},
        {bearer(brands.key(a + "-support"))});
    REQUIRE(r.status == 201);
    return r.json()["id"].get<std::string>();
  };
  auto post = [&](const std::string& path, const json& body, const std::string& key,
                  Headers extra = {}) {
    extra.push_back(bearer(key));
    return http_post_json(base + path, body, extra).status;
  };
  auto get = [&](const std::string& path, const std::string& key) {
    return http_get(base + path, {bearer(key)}).status;
  };
  const std::vector<Endpoint> endpoints = {
      {"create",
       "createVerification",
       {},
       [&](const std::string& brand, const std::string& key) {
         return post("/v1/verifications", {{"phone_number", fresh_phone()}, {"brand", brand}}, key);
       }},
      {"get",
       "getVerification",
       {},
       [&](const std::string&, const std::string& key) {
         return get("/v1/verifications/" + verification_of_a(), key);
       }},
      {"check",
       "checkVerification",
       {},
       [&](const std::string&, const std::string& key) {
         return post("/v1/verifications/" + verification_of_a() + "/check", {{"code", "000000"}},
                     key);
       }},
      {"resend",
       "resendVerification",
       {},
       [&](const std::string&, const std::string& key) {
         return post("/v1/verifications/" + verification_of_a() + "/resend", json::object(), key);
       }},
      {"cancel",
       "cancelVerification",
       {},
       [&](const std::string&, const std::string& key) {
         return post("/v1/verifications/" + verification_of_a() + "/cancel", json::object(), key);
       }},
      {"support_call create",
       "createVerification",
       {"support"},
       [&](const std::string& brand, const std::string& key) {
         return post("/v1/verifications",
                     {{"phone_number", fresh_phone()},
                      {"brand", brand},
                      {"purpose", "support_call"},
                      {"reason", "caller asked for a plan change"}},
                     key);
       }},
      {"support_call get",
       "getVerification",
       {"support"},
       [&](const std::string&, const std::string& key) {
         return get("/v1/verifications/" + support_call_of_a(), key);
       },
       {{"shop", 404}}},
      {"support_call check",
       "checkVerification",
       {"support"},
       [&](const std::string&, const std::string& key) {
         return post("/v1/verifications/" + support_call_of_a() + "/check", {{"code", "000000"}},
                     key);
       },
       {{"shop", 404}}},
      {"support_call resend",
       "resendVerification",
       {"support"},
       [&](const std::string&, const std::string& key) {
         return post("/v1/verifications/" + support_call_of_a() + "/resend", json::object(), key);
       },
       {{"shop", 404}}},
      {"support_call cancel",
       "cancelVerification",
       {"support"},
       [&](const std::string&, const std::string& key) {
         return post("/v1/verifications/" + support_call_of_a() + "/cancel", json::object(), key);
       },
       {{"shop", 404}}},
      {"templates list",
       "listTemplates",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/templates", key);
       }},
      {"template get",
       "getTemplate",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/templates/en", key);
       }},
      {"template put",
       "putTemplate",
       {},
       [&](const std::string& brand, const std::string& key) {
         return http_request("PUT", base + "/v1/brands/" + brand + "/templates/en",
                             {bearer(key), {"If-Match", "*"}, {"Content-Type", "application/json"}},
                             R"({"text":"{{code}} is your Matrix code."})")
             .status;
       }},
      {"template preview",
       "previewTemplate",
       {},
       [&](const std::string& brand, const std::string& key) {
         return post("/v1/brands/" + brand + "/templates/en/preview", json::object(), key);
       }},
      {"template versions",
       "listTemplateVersions",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/templates/en/versions", key);
       }},
      {"template rollback",
       "rollbackTemplate",
       {},
       [&](const std::string& brand, const std::string& key) {
         return post("/v1/brands/" + brand + "/templates/en/rollback", {{"version", 0}}, key,
                     {{"If-Match", "*"}});
       }},
      {"subscriber lookup",
       "getSubscriber",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/subscribers/" + fresh_phone(), key);
       }},
      {"subscriber unlock",
       "unlockSubscriber",
       {},
       [&](const std::string& brand, const std::string& key) {
         return post("/v1/brands/" + brand + "/subscribers/" + fresh_phone() + "/unlock",
                     {{"reason", "caller verified by phone"}}, key);
       }},
      {"audit",
       "getAuditLog",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/audit", key);
       }},
      {"stats",
       "getBrandStats",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/stats", key);
       }},
      {"alerts",
       "getBrandAlerts",
       {},
       [&](const std::string& brand, const std::string& key) {
         return get("/v1/brands/" + brand + "/alerts", key);
       }},
      {"send-code",
       "sendCode",
       {},
       [&](const std::string&, const std::string& key) {
         return post("/one-time-password-sms/v1/send-code",
                     {{"phoneNumber", fresh_phone()}, {"message", "{{code}} is your Matrix code"}},
                     key);
       }},
      {"validate-code",
       "validateCode",
       {},
       [&](const std::string&, const std::string& key) {
         const auto sent = http_post_json(
             base + "/one-time-password-sms/v1/send-code",
             {{"phoneNumber", fresh_phone()}, {"message", "{{code}} is your Matrix code"}},
             {bearer(shop_a)});
         REQUIRE(sent.status == 200);
         return post("/one-time-password-sms/v1/validate-code",
                     {{"authenticationId", sent.json()["authenticationId"]}, {"code", "x"}}, key);
       }},
      {"me",
       "getCurrentKey",
       {},
       [&](const std::string&, const std::string& key) { return get("/v1/me", key); }},
      {"brands",
       "listBrands",
       {},
       [&](const std::string&, const std::string& key) { return get("/v1/brands", key); }},
  };

  // Every route that takes an API key is in this matrix: a route added to the table without a
  // line here fails, so its role and brand checks cannot go untested.
  for (const auto& route : otpgate::api::routes()) {
    if (route.access != otpgate::api::Access::api_key || route.all_brands_key) continue;
    CAPTURE(route.operation);
    CHECK(std::any_of(endpoints.begin(), endpoints.end(),
                      [&](const Endpoint& e) { return e.operation == route.operation; }));
  }
  for (const auto& e : endpoints) {
    const std::set<std::string> admitted = e.only.empty() ? table_roles(e.operation) : e.only;
    // A route of one brand's key (CAMARA's) refuses every all-brands key.
    const auto table = otpgate::api::routes();
    const bool one_brand = std::any_of(table.begin(), table.end(), [&](const auto& route) {
      return route.operation == e.operation && route.one_brand_key;
    });
    REQUIRE_FALSE(admitted.empty());
    for (const auto& role : roles) {
      const bool allowed = admitted.count(role) > 0;
      CAPTURE(e.name, role);
      // A key of brand a, on brand a's resources.
      const long own = e.call(a, brands.key(a + "-" + role));
      // A key for all brands.
      const long all = e.call(a, brands.key("all-" + role));
      // A key of brand b, on brand a's resources: 403 where the brand is named, 404 for a
      // verification id (another brand's verification does not exist for it).
      const long other = e.call(a, brands.key(b + "-" + role));
      CHECK(own != 401);
      CHECK(all != 401);
      if (allowed) {
        CHECK(own != 403);
        CHECK(own < 500);
        if (one_brand)
          CHECK(all == 403);
        else
          CHECK(all != 403);
        CHECK(all < 500);
        static const std::set<std::string> by_ids = {"get",
                                                     "check",
                                                     "resend",
                                                     "cancel",
                                                     "support_call get",
                                                     "support_call check",
                                                     "support_call resend",
                                                     "support_call cancel",
                                                     "validate-code"};
        const bool by_id = by_ids.count(e.name) > 0;
        // About the key itself, no brand in the path: a brand-b key gets its own answer (what
        // /v1/brands shows it is checked in console_serving_test.cpp).
        // send-code names no brand: a brand-b key sends for brand b.
        const bool about_key = e.name == "me" || e.name == "brands" || e.name == "send-code";
        CHECK(other == (about_key ? 200 : by_id ? 404 : 403));
      } else {
        const auto special = e.refused_with.find(role);
        const long refused = special == e.refused_with.end() ? 403 : special->second;
        CHECK(own == refused);
        CHECK(all == refused);
        CHECK(other == refused);
      }
    }
    // No key at all, and a key nobody issued.
    CAPTURE(e.name);
    CHECK(e.call(a, "") == 401);
    CHECK(e.call(a, "not-a-key") == 401);
  }
  // The all-brands statistics: analysts and admins with a * key only.
  const auto market_roles = table_roles("getMarketStats");
  REQUIRE(market_roles == std::set<std::string>{"analyst", "admin"});
  for (const auto& role : roles) {
    CAPTURE(role);
    const bool analytics = market_roles.count(role) > 0;
    CHECK(get("/v1/stats", brands.key("all-" + role)) == (analytics ? 200 : 403));
    CHECK(get("/v1/stats", brands.key(a + "-" + role)) == 403);
  }
  CHECK(get("/v1/stats", "") == 401);
  // Brand b saw nothing of all this: its templates were never written.
  const auto versions = http_get(base + "/v1/brands/" + b + "/templates/en/versions",
                                 {bearer(brands.key(b + "-brand_manager"))});
  REQUIRE(versions.status == 200);
  CHECK(versions.json()["versions"].empty());
}
