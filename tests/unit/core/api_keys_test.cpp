// The API key registry (core/api_keys.hpp): parsing with errors that name the entry, lookup by
// hash, roles and brand scope.
#include "otpgate/core/api_keys.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace otpgate;
using json = nlohmann::json;

namespace {

const std::vector<std::string> brands = {"nordwind", "skylink"};
const std::string hash_a(64, 'a');
const std::string hash_b = std::string(63, '0') + "f";

json entry(const std::string& id, const std::string& hash, const std::string& brand, json roles) {
  return {{"id", id}, {"sha256", hash}, {"brand", brand}, {"roles", std::move(roles)}};
}

json two_keys() {
  return {{"keys",
           {entry("shop-nordwind", hash_a, "nordwind", {"shop"}),
            entry("ops", hash_b, "*", {"support", "admin"})}}};
}

// The message of the std::invalid_argument from_json throws for doc ("" if none).
std::string error_of(const json& doc) {
  try {
    ApiKeyRegistry::from_json(doc, brands);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the registry finds keys by hash with their brand and roles", "[unit][api_keys]") {
  const auto reg = ApiKeyRegistry::from_json(two_keys(), brands);
  CHECK(reg.size() == 2);

  const ApiKey* shop = reg.find(hash_a);
  REQUIRE(shop != nullptr);
  CHECK(shop->id == "shop-nordwind");
  CHECK(shop->brand == "nordwind");
  CHECK(shop->has_role(Role::shop));
  CHECK_FALSE(shop->has_role(Role::admin));
  CHECK(shop->covers_brand("nordwind"));
  CHECK_FALSE(shop->covers_brand("skylink"));
  CHECK_FALSE(shop->covers_brand("*"));

  const ApiKey* ops = reg.find(hash_b);
  REQUIRE(ops != nullptr);
  CHECK(ops->id == "ops");
  CHECK(ops->has_role(Role::support));
  CHECK(ops->has_role(Role::admin));
  CHECK_FALSE(ops->has_role(Role::shop));
  CHECK(ops->covers_brand("nordwind"));
  CHECK(ops->covers_brand("skylink"));

  CHECK(reg.find(std::string(64, 'b')) == nullptr);
  CHECK(reg.find(std::string(64, 'A')) == nullptr);  // hashes are lower-case hex
  CHECK(reg.find("") == nullptr);
}

TEST_CASE("role names", "[unit][api_keys]") {
  CHECK(role_from_string("brand_manager") == Role::brand_manager);
  CHECK(role_from_string("analyst") == Role::analyst);
  CHECK_FALSE(role_from_string("root").has_value());
  CHECK_FALSE(role_from_string("Admin").has_value());
}

TEST_CASE("an empty key list is a valid registry", "[unit][api_keys]") {
  CHECK(ApiKeyRegistry::from_json({{"keys", json::array()}}, brands).size() == 0);
}

TEST_CASE("registry errors name the entry and field", "[unit][api_keys]") {
  json doc = two_keys();
  doc["keys"][1]["note"] = "x";
  CHECK(error_of(doc) == "/keys/1/note: is not a known field");

  doc = two_keys();
  doc["keys"][1]["sha256"] = std::string(64, 'A');
  CHECK(error_of(doc) == "/keys/1/sha256: must be 64 lower-case hex digits");
  doc["keys"][1]["sha256"] = std::string(63, 'a');
  CHECK(error_of(doc) == "/keys/1/sha256: must be 64 lower-case hex digits");
  doc["keys"][1]["sha256"] = std::string(63, 'a') + "g";
  CHECK(error_of(doc) == "/keys/1/sha256: must be 64 lower-case hex digits");
  doc["keys"][1].erase("sha256");
  CHECK(error_of(doc) == "/keys/1/sha256: must be 64 lower-case hex digits");

  doc = two_keys();
  doc["keys"][0]["roles"] = {"shop", "root"};
  CHECK(error_of(doc) == "/keys/0/roles: unknown role \"root\"");
  doc["keys"][0]["roles"] = json::array();
  CHECK(error_of(doc) == "/keys/0/roles: must be a non-empty array");

  doc = two_keys();
  doc["keys"][0]["brand"] = "aurora";
  CHECK(error_of(doc) == "/keys/0/brand: unknown brand aurora");

  doc = two_keys();
  doc["keys"][0]["id"] = "";
  CHECK(error_of(doc) == "/keys/0/id: must be a non-empty string");

  doc = two_keys();
  doc["keys"][1]["sha256"] = hash_a;
  CHECK(error_of(doc) == "/keys/1/sha256: duplicate key");

  // Ids name keys in logs and audit entries, so two keys may not share one.
  doc = two_keys();
  doc["keys"][1]["id"] = doc["keys"][0]["id"];
  CHECK(error_of(doc) == "/keys/1/id: duplicate id " + doc["keys"][0]["id"].get<std::string>());

  doc = two_keys();
  doc["keys"][1] = "ops";
  CHECK(error_of(doc) == "/keys/1: must be an object");
}

TEST_CASE("the registry document has exactly one field, keys", "[unit][api_keys]") {
  CHECK_THAT(error_of(json::array()), Catch::StartsWith("/: "));
  CHECK_THAT(error_of(json::object()), Catch::StartsWith("/: "));
  CHECK_THAT(error_of({{"keys", json::object()}}), Catch::StartsWith("/: "));
  json extra = two_keys();
  extra["version"] = 1;
  CHECK_THAT(error_of(extra), Catch::StartsWith("/: "));
}

// Regression (was a bug): from_json reads "sha256" with json::value(), which throws
// nlohmann::json::type_error for a non-string, not the std::invalid_argument naming the entry that
// the header promises (and that config.cpp catches to report the file).
TEST_CASE("a non-string sha256 is an invalid_argument naming the entry", "[unit][api_keys]") {
  json doc = two_keys();
  doc["keys"][1]["sha256"] = 42;
  CHECK(error_of(doc) == "/keys/1/sha256: must be 64 lower-case hex digits");
}
