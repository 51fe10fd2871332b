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

const std::string camara_otp_yaml =
    "/specs/camara/one-time-password-sms/code/API_definitions/one-time-password-sms.yaml";

// The vendored YAML's server path and its operations as "METHOD /path operationId", read line by
// line (no YAML library in C++ here): the file's layout is CAMARA's, two spaces per level.
struct CamaraPaths {
  std::string base;  // servers[0].url without "{apiRoot}"
  std::set<std::string> operations;
};

CamaraPaths read_camara_paths() {
  std::ifstream in(source_dir() + camara_otp_yaml);
  REQUIRE(in);
  CamaraPaths out;
  std::string line, section, path, method;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') section = line;
    if (section == "servers:" && line.find("- url:") != std::string::npos) {
      const auto root = line.find("{apiRoot}");
      out.base = line.substr(root + 9, line.rfind('"') - root - 9);
    }
    if (section != "paths:") continue;
    if (line.rfind("  /", 0) == 0) path = line.substr(2, line.find(':') - 2);
    if (line.rfind("    ", 0) == 0 && line[4] != ' ' && line.back() == ':')
      method = line.substr(4, line.size() - 5);
    const auto id = line.find("operationId: ");
    if (id != std::string::npos)
      out.operations.insert(method + " " + out.base + path + " " + line.substr(id + 13));
  }
  return out;
}

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
    if (route.contract != otpgate::api::Contract::native) continue;  // the next test's
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

TEST_CASE("the CAMARA one-time-password-sms definition and the route table name the same routes",
          "[e2e][openapi]") {
  const CamaraPaths yaml = read_camara_paths();
  CHECK(yaml.base == std::string(otpgate::api::camara_otp_base));
  std::set<std::string> table;
  for (const auto& route : otpgate::api::routes()) {
    if (route.contract != otpgate::api::Contract::camara_otp) continue;
    CHECK(route.path.starts_with(otpgate::api::camara_otp_base));
    table.insert(lower(route.method) + " " + std::string(route.path) + " " +
                 std::string(route.operation));
    // The spec's operations act for one brand: shop keys of one brand, never "*" ones.
    CHECK(route.access == otpgate::api::Access::api_key);
    CHECK(route.one_brand_key);
  }
  REQUIRE(yaml.operations.size() == 2);  // sendCode, validateCode: the reader found them
  for (const auto& op : table) CHECK(yaml.operations.count(op) == 1);
  for (const auto& op : yaml.operations) CHECK(table.count(op) == 1);
}
