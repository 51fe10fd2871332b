// gateways.json: the catalog of configured gateways, its validation and ${NAME} secrets.
#include "otpgate/gateways/registry.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace otpgate;
using namespace otpgate::gateways;
using json = nlohmann::json;

namespace {

std::optional<std::string> env(const std::string& name) {
  if (name == "TW_SID") return std::string("AC0123456789abcdef0123456789abcdef");
  if (name == "TW_TOKEN") return std::string("tok-secret-value");
  return std::nullopt;
}

json twilio() {
  return {{"type", "twilio"}, {"account_sid", "${TW_SID}"}, {"auth_token", "${TW_TOKEN}"}};
}

std::string error_of(const json& doc) {
  try {
    build_catalog(doc, env);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("file and log are always there, no file means only they", "[unit][gateways]") {
  const GatewayCatalog c = build_catalog(nullptr, env);
  CHECK(c.size() == 2);
  CHECK(c.count("file") == 1);
  CHECK(c.count("log") == 1);
  CHECK(c.at("file").protocol == nullptr);
}

TEST_CASE("a configured gateway gets its protocol, timeouts and circuit", "[unit][gateways]") {
  json g = twilio();
  g["connect_timeout_ms"] = 250;
  g["circuit"] = {{"failures", 3}, {"open_seconds", 10}};
  g["report_url"] = "https://otp.example.com/v1/gateways/tw-eu/delivery-reports";
  const GatewayCatalog c = build_catalog({{"gateways", {{"tw-eu", g}}}}, env);
  const GatewaySpec& s = c.at("tw-eu");
  CHECK(s.type == "twilio");
  REQUIRE(s.protocol != nullptr);
  CHECK(s.connect_timeout == milliseconds(250));
  CHECK(s.report_url == "https://otp.example.com/v1/gateways/tw-eu/delivery-reports");
  // The breaker opens after exactly `failures` transient failures.
  s.circuit->on_result(SendOutcome::transient, 0);
  s.circuit->on_result(SendOutcome::transient, 0);
  CHECK(s.circuit->state(0) == CircuitBreaker::State::closed);
  s.circuit->on_result(SendOutcome::transient, 0);
  CHECK(s.circuit->state(0) == CircuitBreaker::State::open);
  CHECK(s.circuit->state(10'000) == CircuitBreaker::State::half_open);
}

TEST_CASE("invalid gateway files are refused with field and reason", "[unit][gateways]") {
  CHECK(error_of(json::array()) == "/: must be an object with one key, \"gateways\"");
  CHECK(error_of({{"gateways", {{"x", twilio()}}}, {"extra", 1}}).rfind("/:", 0) == 0);
  json unknown_type = twilio();
  unknown_type["type"] = "pigeon";
  CHECK_THAT(error_of({{"gateways", {{"a", unknown_type}}}}),
             Catch::Contains("/gateways/a/type") && Catch::Contains("pigeon"));
  CHECK_THAT(error_of({{"gateways", {{"Bad Name", twilio()}}}}),
             Catch::Contains("/gateways/Bad Name"));
  CHECK_THAT(error_of({{"gateways", {{"file", twilio()}}}}), Catch::Contains("built-in"));
  json no_type = twilio();
  no_type.erase("type");
  CHECK_THAT(error_of({{"gateways", {{"a", no_type}}}}), Catch::Contains("/gateways/a/type"));
  json bad_timeout = twilio();
  bad_timeout["connect_timeout_ms"] = "fast";
  CHECK_THAT(error_of({{"gateways", {{"a", bad_timeout}}}}),
             Catch::Contains("/gateways/a/connect_timeout_ms"));
  json bad_circuit = twilio();
  bad_circuit["circuit"] = {{"failures", 0}};
  CHECK_THAT(error_of({{"gateways", {{"a", bad_circuit}}}}),
             Catch::Contains("/gateways/a/circuit/failures"));
  bad_circuit["circuit"] = {{"retries", 1}};
  CHECK_THAT(error_of({{"gateways", {{"a", bad_circuit}}}}),
             Catch::Contains("/gateways/a/circuit/retries"));
}

TEST_CASE("an unset ${NAME} is refused without revealing other secrets", "[unit][gateways]") {
  json g = twilio();
  g["auth_token"] = "${MISSING_TOKEN}";
  const std::string e = error_of({{"gateways", {{"tw", g}}}});
  CHECK_THAT(e, Catch::Contains("MISSING_TOKEN") && Catch::Contains("/gateways/tw/auth_token"));
  CHECK_THAT(e, !Catch::Contains("AC0123456789"));
}
