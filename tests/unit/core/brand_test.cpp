// Brand configuration (core/brand.hpp): defaults, rules beyond the schema, template fallback and
// the country allow-list.
#include "otpgate/core/brand.hpp"

#include <nlohmann/json.hpp>

#include "support/repo_files.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace otpgate;
using json = nlohmann::json;
using std::chrono::milliseconds;

namespace {

const BrandId& brand_id() {
  static const BrandId id = *BrandId::parse("acme");
  return id;
}

json minimal() {
  return {{"display_name", "Acme"},
          {"sender_id", "Acme"},
          {"locales", {"de", "en"}},
          {"default_locale", "de"},
          {"allowed_countries", {"DE", "AT"}},
          {"gateways", {"file"}}};
}

Template tmpl(const std::string& text) {
  std::string error;
  auto t = Template::parse(text, error);
  REQUIRE(t.has_value());
  return *t;
}

}  // namespace

TEST_CASE("brand_from_json fills documented defaults", "[unit][brand]") {
  const Brand b = brand_from_json(brand_id(), minimal());
  CHECK(b.id.str() == "acme");
  CHECK(b.display_name == "Acme");
  CHECK(b.sender_id == "Acme");
  CHECK(b.default_locale == "de");
  CHECK(b.code.format.length == 6);
  CHECK(b.code.format.alphabet == CodeAlphabet::digits);
  CHECK(b.code.ttl == milliseconds(300'000));
  CHECK(b.code.max_attempts == 5);
  CHECK(b.code.max_sends == 3);
  CHECK(b.code.resend_cooldown == milliseconds(30'000));
  CHECK(b.lock.max_failed_checks == 10);
  CHECK(b.lock.window == milliseconds(3'600'000));
  CHECK(b.lock.duration == milliseconds(900'000));
  CHECK(b.lock.max_duration == milliseconds(86'400'000));
  CHECK_FALSE(b.psd2_dynamic_linking);
  CHECK(b.webotp_domain.empty());
  CHECK(b.android_app_hash.empty());
  CHECK_FALSE(b.max_segments.has_value());
  CHECK(b.gateways == std::vector<std::string>{"file"});
}

TEST_CASE("brand_from_json reads every field, seconds becoming milliseconds", "[unit][brand]") {
  json doc = minimal();
  doc["code"] = {{"length", 8},        {"alphabet", "alphanumeric"},
                 {"ttl_seconds", 600}, {"max_attempts", 3},
                 {"max_sends", 2},     {"resend_cooldown_seconds", 0}};
  doc["lock"] = {{"max_failed_checks", 4},
                 {"window_seconds", 120},
                 {"duration_seconds", 60},
                 {"max_duration_seconds", 600}};
  doc["psd2_dynamic_linking"] = true;
  doc["webotp_domain"] = "shop.acme.example";
  doc["android_app_hash"] = "FA+9qCX9VSu";
  doc["max_segments"] = 2;
  const Brand b = brand_from_json(brand_id(), doc);
  CHECK(b.code.format.length == 8);
  CHECK(b.code.format.alphabet == CodeAlphabet::alphanumeric);
  CHECK(b.code.ttl == milliseconds(600'000));
  CHECK(b.code.max_attempts == 3);
  CHECK(b.code.max_sends == 2);
  CHECK(b.code.resend_cooldown == milliseconds(0));
  CHECK(b.lock.max_failed_checks == 4);
  CHECK(b.lock.window == milliseconds(120'000));
  CHECK(b.lock.duration == milliseconds(60'000));
  CHECK(b.lock.max_duration == milliseconds(600'000));
  CHECK(b.psd2_dynamic_linking);
  CHECK(b.webotp_domain == "shop.acme.example");
  CHECK(b.android_app_hash == "FA+9qCX9VSu");
  CHECK(b.max_segments == 2);
}

TEST_CASE("the demo brand files parse", "[unit][brand]") {
  const Brand sky = brand_from_json(*BrandId::parse("skylink"),
                                    test::read_repo_json("brands/skylink/brand.json"));
  CHECK(sky.code.format.length == 8);
  CHECK(sky.code.format.alphabet == CodeAlphabet::alphanumeric);
  CHECK(sky.code.ttl == milliseconds(600'000));
  CHECK(sky.code.resend_cooldown == milliseconds(60'000));
  CHECK(sky.lock.duration == milliseconds(900'000));  // no "lock": defaults

  const Brand nord = brand_from_json(*BrandId::parse("nordwind"),
                                     test::read_repo_json("brands/nordwind/brand.json"));
  CHECK(nord.default_locale == "de");
  CHECK(nord.webotp_domain == "shop.nordwind-mobil.example");
  CHECK(nord.allowed_countries == std::vector<std::string>{"DE", "AT", "CH"});
}

TEST_CASE("brand_from_json refuses what the schema cannot express", "[unit][brand]") {
  json doc = minimal();
  doc["default_locale"] = "fr";
  CHECK_THROWS_MATCHES(brand_from_json(brand_id(), doc), std::invalid_argument,
                       Catch::Message("/default_locale: must be one of /locales"));

  doc = minimal();
  doc["lock"] = {{"duration_seconds", 7200}, {"max_duration_seconds", 3600}};
  CHECK_THROWS_WITH(brand_from_json(brand_id(), doc),
                    Catch::Contains("/lock/max_duration_seconds"));

  doc = minimal();
  doc["locales"] = {"de", "de_AT"};
  CHECK_THROWS_WITH(brand_from_json(brand_id(), doc), Catch::Contains("/locales: de_AT"));
}

TEST_CASE("template_for walks the locale candidates", "[unit][brand]") {
  Brand b = brand_from_json(brand_id(), minimal());  // default locale de
  std::string chosen;
  CHECK(b.template_for("de-AT", chosen) == nullptr);

  b.templates.emplace("de", tmpl("DE {{code}}"));
  b.templates.emplace("en", tmpl("EN {{code}}"));
  b.templates.emplace("de-CH", tmpl("CH {{code}}"));
  b.templates.emplace("fr", tmpl("FR {{code}}"));  // a default template the brand does not use
  b.locales.push_back("de-CH");
  TemplateValues v;
  v.code = "1234";

  const Template* t = b.template_for("de-CH", chosen);
  REQUIRE(t != nullptr);
  CHECK(chosen == "de-CH");
  CHECK(t->render(v) == "CH 1234");

  t = b.template_for("DE-ch", chosen);  // BCP 47 tags are case-insensitive
  REQUIRE(t != nullptr);
  CHECK(chosen == "de-CH");

  t = b.template_for("de-AT", chosen);
  REQUIRE(t != nullptr);
  CHECK(chosen == "de");

  t = b.template_for("fr", chosen);  // fr is not the brand's: the brand default, not en or fr
  REQUIRE(t != nullptr);
  CHECK(chosen == "de");
  CHECK(t->render(v) == "DE 1234");

  t = b.template_for("en-GB", chosen);
  REQUIRE(t != nullptr);
  CHECK(chosen == "en");

  b.templates.erase("de");
  t = b.template_for("fr", chosen);  // no default template: en
  REQUIRE(t != nullptr);
  CHECK(chosen == "en");
  CHECK(t->render(v) == "EN 1234");
}

TEST_CASE("country_allowed matches the upper-case allow-list exactly", "[unit][brand]") {
  const Brand b = brand_from_json(brand_id(), minimal());
  CHECK(b.country_allowed("DE"));
  CHECK(b.country_allowed("AT"));
  CHECK_FALSE(b.country_allowed("CH"));
  CHECK_FALSE(b.country_allowed("de"));
  CHECK_FALSE(b.country_allowed(""));
  CHECK_FALSE(b.country_allowed("DEU"));
}

TEST_CASE("the delivery policy has documented defaults and reads every field",
          "[unit][brand][delivery]") {
  const Brand d = brand_from_json(brand_id(), minimal());
  CHECK(d.delivery.attempt_timeout == milliseconds(3000));
  CHECK(d.delivery.deadline == milliseconds(8000));
  CHECK(d.delivery.retries == 2);
  CHECK(d.delivery.backoff == milliseconds(200));
  CHECK(d.delivery.max_backoff == milliseconds(2000));
  CHECK_FALSE(d.delivery.resend_on_undelivered);
  json doc = minimal();
  doc["delivery"] = {
      {"attempt_timeout_ms", 500}, {"deadline_ms", 1500},   {"retries", 0},
      {"backoff_ms", 50},          {"max_backoff_ms", 100}, {"resend_on_undelivered", true}};
  const Brand b = brand_from_json(brand_id(), doc);
  CHECK(b.delivery.attempt_timeout == milliseconds(500));
  CHECK(b.delivery.deadline == milliseconds(1500));
  CHECK(b.delivery.retries == 0);
  CHECK(b.delivery.backoff == milliseconds(50));
  CHECK(b.delivery.max_backoff == milliseconds(100));
  CHECK(b.delivery.resend_on_undelivered);
}

TEST_CASE("a deadline shorter than one attempt is refused", "[unit][brand][delivery]") {
  json doc = minimal();
  doc["delivery"] = {{"attempt_timeout_ms", 5000}, {"deadline_ms", 1000}};
  CHECK_THROWS_WITH(brand_from_json(brand_id(), doc), Catch::Contains("/delivery/deadline_ms"));
  doc["delivery"] = {{"backoff_ms", 500}, {"max_backoff_ms", 100}};
  CHECK_THROWS_WITH(brand_from_json(brand_id(), doc), Catch::Contains("/delivery/max_backoff_ms"));
}

TEST_CASE("a WebOTP embedded domain needs the WebOTP domain", "[unit][brand]") {
  json doc = minimal();
  doc["webotp_embedded_domain"] = "psp.example";
  CHECK_THROWS_WITH(brand_from_json(brand_id(), doc), Catch::Contains("/webotp_embedded_domain"));
  doc["webotp_domain"] = "shop.example";
  const Brand b = brand_from_json(brand_id(), doc);
  CHECK(b.webotp_domain == "shop.example");
  CHECK(b.webotp_embedded_domain == "psp.example");
}

TEST_CASE("brand_from_json reads the signals policies with their defaults", "[unit][brand][signals]") {
  CHECK(brand_from_json(brand_id(), minimal()).signals.empty());
  json doc = minimal();
  doc["signals"] = {{"sim_swap", {{"operator", "telco"}}},
                    {"kyc",
                     {{"operator", "telco2"},
                      {"must_match", {"family_name", "birthdate"}},
                      {"min_matches", 3},
                      {"action", "block"},
                      {"on_error", "deny"}}}};
  const Brand b = brand_from_json(brand_id(), doc);
  REQUIRE(b.signals.sim_swap);
  CHECK(b.signals.sim_swap->operator_id == "telco");
  CHECK(b.signals.sim_swap->max_age_hours == 240);
  CHECK(b.signals.sim_swap->action == SignalAction::block);
  CHECK(b.signals.sim_swap->on_error == SignalOnError::allow);
  REQUIRE(b.signals.kyc);
  CHECK(b.signals.kyc->operator_id == "telco2");
  CHECK(b.signals.kyc->must_match ==
        std::vector<KycField>{KycField::family_name, KycField::birthdate});
  CHECK(b.signals.kyc->min_matches == 3);
  CHECK(b.signals.kyc->action == SignalAction::block);
  CHECK(b.signals.kyc->on_error == SignalOnError::deny);
  doc["signals"] = {{"sim_swap", {{"operator", "telco"}, {"max_age_hours", 2}, {"action", "flag"}}}};
  const Brand flagging = brand_from_json(brand_id(), doc);
  CHECK(flagging.signals.sim_swap->action == SignalAction::flag);
  CHECK(flagging.signals.sim_swap->max_age_hours == 2);
  CHECK_FALSE(flagging.signals.kyc);
}
