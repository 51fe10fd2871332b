// OTPGATE_OPERATORS_FILE: a good file parses with its defaults; every problem names the file,
// the field and the reason, and never the client secret.
#include "otpgate/wiring/operators_config.hpp"
#include "otpgate/wiring/config.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>

using namespace otpgate;
using json = nlohmann::json;

namespace {

const std::map<std::string, std::string> environment = {{"TELCO_SECRET", "s3cr3t-value"}};

std::optional<std::string> env(const std::string& name) {
  const auto it = environment.find(name);
  return it == environment.end() ? std::nullopt : std::optional(it->second);
}

json good() {
  return json::parse(R"({"operators": {"telco-de": {
    "base_url": "https://api.telco.example/camara/",
    "token_url": "https://auth.telco.example/oauth2/token",
    "client_id": "otpgate",
    "client_secret_env": "TELCO_SECRET",
    "scope": "sim-swap kyc-match",
    "timeout_ms": 1500,
    "cache_ms": 0,
    "circuit": {"failures": 4, "open_ms": 10000}},
    "other": {"base_url": "http://127.0.0.1:9000", "token_url": "http://127.0.0.1:9000/token",
              "client_id": "x", "client_secret_env": "TELCO_SECRET"}}})");
}

// The message of the ConfigError parse_operators throws for doc.
std::string error_of(const json& doc) {
  try {
    parse_operators(doc, "ops.json", env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("operators config: a good file with its defaults", "[config][signals]") {
  const auto ops = parse_operators(good(), "ops.json", env);
  REQUIRE(ops.size() == 2);
  const auto& t = ops.at("telco-de");
  CHECK(t.base_url == "https://api.telco.example/camara");  // the trailing '/' goes
  CHECK(t.token_url == "https://auth.telco.example/oauth2/token");
  CHECK(t.client_id == "otpgate");
  CHECK(t.client_secret.reveal() == "s3cr3t-value");
  CHECK(t.scope == "sim-swap kyc-match");
  CHECK(t.timeout.count() == 1500);
  CHECK(t.cache.count() == 0);
  CHECK(t.circuit.failures == 4);
  CHECK(t.circuit.open_for.count() == 10000);
  const auto& o = ops.at("other");
  CHECK(o.scope.empty());
  CHECK(o.timeout.count() == 2000);
  CHECK(o.cache.count() == 60000);
  CHECK(o.circuit.failures == 5);
  CHECK(o.circuit.open_for.count() == 30000);
}

TEST_CASE("operators config: a missing secret variable names the variable", "[config][signals]") {
  json doc = good();
  doc["operators"]["telco-de"]["client_secret_env"] = "NOT_SET_ANYWHERE";
  CHECK(error_of(doc) ==
        "ops.json: field /operators/telco-de/client_secret_env: NOT_SET_ANYWHERE is not set or "
        "empty");
  doc["operators"]["telco-de"]["client_secret_env"] = "no spaces please";
  CHECK(error_of(doc).find("must name an environment variable") != std::string::npos);
}

TEST_CASE("operators config: bad URLs numbers and unknown fields", "[config][signals]") {
  json doc = good();
  doc["operators"]["telco-de"]["base_url"] = "ftp://api.telco.example";
  CHECK(error_of(doc).rfind("ops.json: field /operators/telco-de/base_url: must be an http", 0) ==
        0);
  doc = good();
  doc["operators"]["telco-de"]["token_url"] = "https://user:pw@auth.example/token";
  CHECK(error_of(doc).find("/token_url: must be an http") != std::string::npos);
  doc = good();
  doc["operators"]["telco-de"]["client_secret"] = "s3cr3t-value";
  CHECK(error_of(doc) == "ops.json: field /operators/telco-de/client_secret: unknown field");
  doc = good();
  doc["operators"]["telco-de"]["circuit"]["open_seconds"] = 3;
  CHECK(error_of(doc) == "ops.json: field /operators/telco-de/circuit/open_seconds: unknown field");
  doc = good();
  doc["operators"]["telco-de"]["timeout_ms"] = 0;
  CHECK(error_of(doc) ==
        "ops.json: field /operators/telco-de/timeout_ms: must be a whole number from 50 to 60000");
  doc = good();
  doc["operators"]["telco-de"].erase("client_id");
  CHECK(error_of(doc) == "ops.json: field /operators/telco-de/client_id: is required");
  doc = good();
  doc["operators"]["Telco DE"] = doc["operators"]["telco-de"];
  CHECK(error_of(doc).find("/operators/Telco DE: operator ids are") != std::string::npos);
  CHECK(error_of(json::parse(R"({"gateways": {}})")).find("one key, \"operators\"") !=
        std::string::npos);
  for (const json& d : {good()}) CHECK(error_of(d) == "(no error)");
}

TEST_CASE("operators config: the secret never appears in an error", "[config][signals]") {
  json doc = good();
  doc["operators"]["telco-de"]["scope"] = 7;
  const std::string e = error_of(doc);
  CHECK(e == "ops.json: field /operators/telco-de/scope: must be a non-empty string");
  CHECK(e.find("s3cr3t") == std::string::npos);
}

TEST_CASE("operators config: a brand naming an unknown operator is refused", "[config][signals]") {
  const auto ops = parse_operators(good(), "ops.json", env);
  BrandCatalog brands;
  Brand b{.id = *BrandId::parse("acme")};
  b.signals.sim_swap = SimSwapPolicy{.operator_id = "telco-de"};
  brands.emplace("acme", b);
  CHECK_NOTHROW(check_signal_operators(brands, ops, "ops.json"));
  brands.at("acme").signals.kyc = KycPolicy{.operator_id = "telco-fr"};
  try {
    check_signal_operators(brands, ops, "ops.json");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) ==
          "brand acme: signals/kyc/operator: operator 'telco-fr' is unknown (not in ops.json)");
  }
  CHECK_THROWS_WITH(check_signal_operators(brands, {}, ""),
                    Catch::Contains("no OTPGATE_OPERATORS_FILE is set"));
}

TEST_CASE("operators config: a key twice in the file is an error", "[config][signals]") {
  char tmpl[] = "/tmp/otpgate-ops-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  const std::string path = tmpl;
  std::string text = good().dump();
  // The first operator's client id given twice: the last one must not silently win.
  text.insert(text.find("\"client_id\""), "\"client_id\":\"other\",");
  std::ofstream(path) << text;
  std::string error = "(no error)";
  try {
    load_operators(path, env);
  } catch (const ConfigError& e) {
    error = e.what();
  }
  std::remove(path.c_str());
  CHECK(error == path + ": the key 'operators.other.client_id' appears twice");
}
