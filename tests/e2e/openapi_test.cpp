// The OpenAPI document: served as it is in the repository, and naming exactly the routes of the
// route table. (Every answer of every e2e test is also checked against it: support/api_contract.)
#include "e2e_helpers.hpp"

#include "otpgate/api/route_table.hpp"
#include "support/openapi_validator.hpp"

#include <fstream>
#include <set>
#include <sstream>

using namespace otpgate::test;

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

TEST_CASE("GET /openapi.json serves docs/openapi.json without a key", "[e2e][openapi]") {
  OtpgateProcess p;
  const auto r = http_get(p.base_url() + "/openapi.json");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  std::ifstream file(source_dir() + "/docs/openapi.json");
  std::stringstream text;
  text << file.rdbuf();
  CHECK(r.body == text.str());
  CHECK(r.json()["openapi"] == "3.1.0");
}

TEST_CASE("the OpenAPI document and the route table name the same routes", "[e2e][openapi]") {
  std::set<std::string> table;
  for (const auto& route : otpgate::api::routes()) {
    table.insert(std::string(route.method) + " " + std::string(route.path));
    // The document's operation has the table's id and roles.
    const auto& doc = OpenApiValidator::repository().document();
    const auto& op = doc["paths"][std::string(route.path)][lower(route.method)];
    CAPTURE(route.operation);
    REQUIRE(op.is_object());
    CHECK(op["operationId"] == route.operation);
    if (route.access == otpgate::api::Access::api_key) {
      std::set<std::string> roles;
      for (const auto& r : op["x-roles"]) roles.insert(r.get<std::string>());
      for (const auto& name : {"shop", "brand_manager", "support", "analyst", "admin"})
        CHECK(roles.count(name) ==
              (route.roles.contains(*otpgate::role_from_string(name)) ? 1U : 0U));
      CHECK(op.value("x-all-brands-key", false) == route.all_brands_key);
    } else {
      CHECK(op["security"] == nlohmann::json::array());
    }
  }
  const auto listed = OpenApiValidator::repository().routes();
  const std::set<std::string> documented(listed.begin(), listed.end());
  for (const auto& r : table) CHECK(documented.count(r) == 1);
  for (const auto& r : documented) CHECK(table.count(r) == 1);
}
