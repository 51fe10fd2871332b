// The create's `customer` object (docs/signals.md) on the real binary: every malformed field is a
// 400 naming it without quoting the value, valid data is accepted, and the customer's values are
// in no answer, log line or Redis key afterwards.
#include "e2e_helpers.hpp"

using namespace otpgate::test;
using nlohmann::json;

namespace {

HttpResponse create_with(const OtpgateProcess& p, const json& customer) {
  return http_post_json(p.base_url() + "/v1/verifications",
                        {{"phone_number", fresh_phone()}, {"customer", customer}},
                        {bearer(shop_key())});
}

}  // namespace

TEST_CASE("a malformed customer gets 400 naming the field", "[e2e][bad-input][signals]") {
  OtpgateProcess p;
  const std::string long_name(10 * 1024, 'x');
  const std::vector<std::pair<json, std::string>> bad = {
      {"Ada", "customer"},
      {json::array({"Ada"}), "customer"},
      {json::object(), "customer"},
      {{{"given_name", 7}}, "customer.given_name"},
      {{{"given_name", nullptr}}, "customer.given_name"},
      {{{"given_name", json::object()}}, "customer.given_name"},
      {{{"given_name", ""}}, "customer.given_name"},
      {{{"given_name", long_name}}, "customer.given_name"},
      {{{"family_name", "Love\nlace"}}, "customer.family_name"},
      {{{"shoe_size", "44"}}, "customer.shoe_size"},
      {{{"givenName", "Ada"}}, "customer.givenName"},
      {{{"birthdate", "1815-12-10x"}}, "customer.birthdate"},
      {{{"birthdate", "1990-02-30"}}, "customer.birthdate"},
      {{{"birthdate", "10.12.1990"}}, "customer.birthdate"},
      {{{"email", "ada.lovelace"}}, "customer.email"},
      {{{"country", "Germany"}}, "customer.country"},
      {{{"gender", "robot"}}, "customer.gender"},
  };
  for (const auto& [customer, field] : bad) {
    INFO(customer.dump().substr(0, 80));
    const HttpResponse r = create_with(p, customer);
    require_error(r, 400, "INVALID_ARGUMENT", field);
    // The value is never quoted back.
    CHECK(r.body.find(long_name.substr(0, 64)) == std::string::npos);
    CHECK(r.body.find("1990-02-30") == std::string::npos);
    CHECK(r.body.find("ada.lovelace") == std::string::npos);
  }
  CHECK(p.outbox_lines().empty());
  CHECK(http_get(p.base_url() + "/healthz").status == 200);
}

TEST_CASE("valid customer data is accepted and kept nowhere", "[e2e][signals]") {
  OtpgateProcess p;
  // Unique values, to be searched for afterwards.
  const std::string marker = unique_brand_now("zq");
  const json customer = {{"given_name", "Ada" + marker},
                         {"family_name", "Lovelace" + marker},
                         {"street_name", "Marker Street " + marker},
                         {"postal_code", "1" + marker},
                         {"birthdate", "1990-12-10"},
                         {"email", "ada." + marker + "@example.com"},
                         {"gender", "FEMALE"},
                         {"country", "DE"}};
  const HttpResponse r = create_with(p, customer);
  REQUIRE(r.status == 201);
  // The demo brand asks no network signals: nothing is kept or said about them.
  CHECK(r.json()["signals"].is_null());
  CHECK(r.body.find(marker) == std::string::npos);
  const std::string id = r.json()["id"];
  const HttpResponse read =
      http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  CHECK(read.body.find(marker) == std::string::npos);
  CHECK(p.log_text().find(marker) == std::string::npos);
  CHECK(redis_keys_containing(marker) == 0);
  // The search can find what is there: the verification's own id.
  CHECK(redis_keys_containing(id) > 0);
}
