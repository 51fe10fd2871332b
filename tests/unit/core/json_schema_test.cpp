// The JSON Schema subset validator (core/json_schema.hpp) against the real brands/schema.json.
#include "otpgate/core/json_schema.hpp"

#include "support/repo_files.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using otpgate::validate_against_schema;
using json = nlohmann::json;

namespace {

const json& schema() {
  static const json s = otpgate::test::read_repo_json("brands/schema.json");
  return s;
}

json valid_brand() {
  return otpgate::test::read_repo_json("brands/skylink/brand.json");
}

// The pointer of the violation, or "(valid)".
std::string violation_at(const json& doc) {
  const auto v = validate_against_schema(schema(), doc);
  return v ? v->pointer : std::string("(valid)");
}

}  // namespace

TEST_CASE("the demo brands satisfy the schema", "[unit][schema]") {
  const char* brand = GENERATE("nordwind", "skylink");
  CAPTURE(brand);
  const auto v = validate_against_schema(
      schema(), otpgate::test::read_repo_json(std::string("brands/") + brand + "/brand.json"));
  INFO((v ? v->pointer + ": " + v->reason : std::string()));
  CHECK_FALSE(v.has_value());
}

TEST_CASE("unknown fields are errors at any depth", "[unit][schema]") {
  json doc = valid_brand();
  doc["colour"] = "blue";
  CHECK(violation_at(doc) == "/colour");

  doc = valid_brand();
  doc["code"]["foo"] = 1;
  CHECK(violation_at(doc) == "/code/foo");
  CHECK(validate_against_schema(schema(), doc)->reason == "is not a known field");

  doc = valid_brand();
  doc["lock"] = {{"duration_seconds", 900}, {"durations", 900}};
  CHECK(violation_at(doc) == "/lock/durations");
}

TEST_CASE("missing required fields are named", "[unit][schema]") {
  json doc = valid_brand();
  doc.erase("gateways");
  CHECK(violation_at(doc) == "/gateways");
  CHECK(validate_against_schema(schema(), doc)->reason == "is required");
}

TEST_CASE("wrong types are reported at their pointer", "[unit][schema]") {
  CHECK(violation_at(json::array()) == "/");
  CHECK(violation_at("brand") == "/");

  json doc = valid_brand();
  doc["display_name"] = 5;
  CHECK(violation_at(doc) == "/display_name");

  doc = valid_brand();
  doc["code"]["length"] = "6";
  CHECK(violation_at(doc) == "/code/length");

  doc = valid_brand();
  doc["code"]["length"] = 6.5;
  CHECK(violation_at(doc) == "/code/length");

  doc = valid_brand();
  doc["locales"] = "en";
  CHECK(violation_at(doc) == "/locales");

  doc = valid_brand();
  doc["psd2_dynamic_linking"] = "yes";
  CHECK(violation_at(doc) == "/psd2_dynamic_linking");

  doc = valid_brand();
  doc["code"] = json::array();
  CHECK(violation_at(doc) == "/code");

  doc = valid_brand();
  doc["gateways"] = {"file", 7};
  CHECK(violation_at(doc) == "/gateways/1");
}

TEST_CASE("code length must be 4 to 10", "[unit][schema]") {
  json doc = valid_brand();
  for (int ok : {4, 10}) {
    doc["code"]["length"] = ok;
    CHECK(violation_at(doc) == "(valid)");
  }
  doc["code"]["length"] = 3;
  CHECK(violation_at(doc) == "/code/length");
  CHECK(validate_against_schema(schema(), doc)->reason == "must be at least 4");
  doc["code"]["length"] = 11;
  CHECK(violation_at(doc) == "/code/length");
  CHECK(validate_against_schema(schema(), doc)->reason == "must be at most 10");
}

TEST_CASE("max_segments is an optional integer from 1 to 10", "[unit][schema]") {
  json doc = valid_brand();
  REQUIRE_FALSE(doc.contains("max_segments"));
  CHECK(violation_at(doc) == "(valid)");
  for (int ok : {1, 10}) {
    doc["max_segments"] = ok;
    CHECK(violation_at(doc) == "(valid)");
  }
  for (const json& bad : {json(0), json(11), json("2"), json(1.5)}) {
    doc["max_segments"] = bad;
    CAPTURE(bad.dump());
    CHECK(violation_at(doc) == "/max_segments");
  }
}

TEST_CASE("enum, array and pattern rules", "[unit][schema]") {
  json doc = valid_brand();
  doc["code"]["alphabet"] = "hex";
  CHECK(violation_at(doc) == "/code/alphabet");

  for (const char* good : {"Nordwind", "ABC", "Sky Link 11", "+4915112345678", "12345"}) {
    doc = valid_brand();
    doc["sender_id"] = good;
    CAPTURE(good);
    CHECK(violation_at(doc) == "(valid)");
  }
  for (const char* bad : {"AB", "TwelveChars1", "Nord-wind", "", "+12", "Nordwind\n"}) {
    doc = valid_brand();
    doc["sender_id"] = bad;
    CAPTURE(bad);
    CHECK(violation_at(doc) == "/sender_id");
  }

  for (const char* bad : {"de", "DEU", "D1", ""}) {
    doc = valid_brand();
    doc["allowed_countries"] = {"GB", bad};
    CAPTURE(bad);
    CHECK(violation_at(doc) == "/allowed_countries/1");
  }

  doc = valid_brand();
  doc["allowed_countries"] = json::array();
  CHECK(violation_at(doc) == "/allowed_countries");
  doc["allowed_countries"] = {"GB", "GB"};
  CHECK(violation_at(doc) == "/allowed_countries");

  doc = valid_brand();
  doc["display_name"] = std::string(41, 'x');
  CHECK(violation_at(doc) == "/display_name");
  doc["display_name"] = "Überstraße Mobilfunk GmbH & Co. KG Ölé";  // 38 characters, more bytes
  CHECK(violation_at(doc) == "(valid)");
}

TEST_CASE("a schema with an unsupported keyword is refused", "[unit][schema]") {
  const json one_of = {{"type", "object"}, {"oneOf", json::array()}};
  CHECK_THROWS_AS(validate_against_schema(one_of, json::object()), std::invalid_argument);
  CHECK_THROWS_WITH(validate_against_schema(one_of, json::object()), Catch::Contains("oneOf"));

  const json nested = {{"type", "object"},
                       {"properties", {{"host", {{"type", "string"}, {"format", "hostname"}}}}}};
  CHECK_THROWS_AS(validate_against_schema(nested, json{{"host", "x"}}), std::invalid_argument);
}

// Regression (was a bug): keywords are only checked where the validator descends, so an unsupported
// keyword under a property the document lacks passes silently, against the header's promise.
TEST_CASE("an unsupported keyword is refused even under an absent property", "[unit][schema]") {
  const json nested = {{"type", "object"},
                       {"properties", {{"host", {{"type", "string"}, {"format", "hostname"}}}}}};
  CHECK_THROWS_AS(validate_against_schema(nested, json::object()), std::invalid_argument);
}

TEST_CASE("the schema checks the signals policies", "[unit][schema][signals]") {
  json doc = valid_brand();
  doc["signals"] = {{"sim_swap", {{"operator", "telco"}, {"max_age_hours", 24}}},
                    {"kyc", {{"operator", "telco"}, {"must_match", {"family_name"}}}}};
  CHECK(violation_at(doc) == "(valid)");
  json bad = doc;
  bad["signals"]["sim_swap"]["max_age_hours"] = 0;
  CHECK(violation_at(bad) == "/signals/sim_swap/max_age_hours");
  bad = doc;
  bad["signals"]["sim_swap"].erase("operator");
  CHECK(violation_at(bad) == "/signals/sim_swap/operator");
  bad = doc;
  bad["signals"]["kyc"]["must_match"] = {"shoe_size"};
  CHECK(violation_at(bad) == "/signals/kyc/must_match/0");
  bad = doc;
  bad["signals"]["kyc"]["action"] = "warn";
  CHECK(violation_at(bad) == "/signals/kyc/action");
  bad = doc;
  bad["signals"]["number_verification"] = json::object();
  CHECK(violation_at(bad) == "/signals/number_verification");
}
