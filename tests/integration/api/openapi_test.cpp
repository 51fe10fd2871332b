// docs/openapi.json and the validator the tests check answers with: the document is OpenAPI
// 3.1.0, names exactly the native API's operations with their roles, every $ref resolves and
// every schema keyword is one the validator reads; the validator refuses wrong answers (each
// kind of problem once) and accepts real ones (bodies as the server sends them).
#include "support/openapi_validator.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

using otpgate::test::OpenApiValidator;
using json = nlohmann::json;

namespace {

const OpenApiValidator& api() {
  return OpenApiValidator::repository();
}

// True when one of the problems contains `text` (so a test names the problem it expects).
bool has_problem(const std::vector<std::string>& problems, const std::string& text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

// Each shows the problems it got when it fails.
#define CHECK_PROBLEM(problems, text)                 \
  do {                                                \
    const std::vector<std::string> found_ = problems; \
    INFO(json(found_).dump(2));                       \
    CHECK(has_problem(found_, text));                 \
  } while (false)
#define CHECK_VALID(problems)                         \
  do {                                                \
    const std::vector<std::string> found_ = problems; \
    INFO(json(found_).dump(2));                       \
    CHECK(found_.empty());                            \
  } while (false)

const std::set<std::string> methods = {"get", "put", "post", "delete", "patch", "head", "options"};

// Every operation of the document: (method, path, operation).
std::vector<std::tuple<std::string, std::string, json>> operations(const json& doc) {
  std::vector<std::tuple<std::string, std::string, json>> out;
  for (auto p = doc["paths"].begin(); p != doc["paths"].end(); ++p)
    for (auto m = p.value().begin(); m != p.value().end(); ++m)
      if (methods.count(m.key())) out.emplace_back(m.key(), p.key(), m.value());
  return out;
}

json resolved(const json& doc, const json& node) {
  return node.contains("$ref")
             ? doc.at(json::json_pointer(node["$ref"].get<std::string>().substr(1)))
             : node;
}

// The (status, code) pairs an error schema allows: its code and status consts, through $refs
// and oneOf.
std::set<std::pair<int, std::string>> error_codes(const json& doc, const json& schema) {
  const json s = resolved(doc, schema);
  std::set<std::pair<int, std::string>> out;
  if (s.contains("oneOf"))
    for (const auto& branch : s["oneOf"]) {
      const auto more = error_codes(doc, branch);
      out.insert(more.begin(), more.end());
    }
  if (s.contains("properties") && s["properties"].contains("code"))
    out.emplace(s["properties"]["status"].value("const", 0),
                s["properties"]["code"].value("const", std::string("(no const)")));
  return out;
}

// A verification as the server sends it (tests/e2e/verification_flow_test.cpp's create).
json verification() {
  return json::parse(R"({
    "id": "vf_k3x7mq2w7ab5c6d7e2f3g4h5i6j7k2l3m4n5", "brand": "nordwind",
    "purpose": "checkout", "status": "pending", "phone_number": "+49151*****678",
    "locale": "de", "created_at": "2026-11-22T10:00:00.000Z",
    "expires_at": "2026-11-22T10:05:00.000Z", "approved_at": null,
    "resend_available_at": "2026-11-22T10:00:30.000Z",
    "attempts_left": 5, "sends_left": 2,
    "delivery": {"status": "accepted", "gateway": "file", "message_id": "file-17"},
    "order": null, "metadata": null, "signals": null})");
}

std::vector<std::string> answer(const std::string& method, const std::string& path, int status,
                                const json& body, const std::string& type = "application/json") {
  return api().validate_response(method, path, status, type, body.dump());
}

}  // namespace

TEST_CASE("openapi: the document is OpenAPI 3.1.0, every $ref resolves, every keyword is read",
          "[integration][openapi]") {
  const json& doc = api().document();
  CHECK(doc["openapi"] == "3.1.0");
  CHECK(doc["info"]["title"].is_string());
  const auto problems = api().document_problems();
  INFO(json(problems).dump(2));
  CHECK(problems.empty());

  // The same checks find a broken document's faults.
  json broken = doc;
  broken["components"]["schemas"]["Verification"]["properties"]["id"] = {
      {"$ref", "#/components/schemas/NoSuchSchema"}};
  broken["components"]["schemas"]["Funnel"]["properties"]["started"]["exclusiveMinimum"] = 0;
  broken["components"]["parameters"]["Brand"]["schema"] = {{"type", "string"}, {"pattern", "(a"}};
  broken["paths"]["/healthz"]["get"]["responses"]["200"] = {
      {"$ref", "#/components/responses/Nothing"}};
  const auto found = OpenApiValidator(broken).document_problems();
  INFO(json(found).dump(2));
  CHECK(found.size() == 4);
  CHECK(has_problem(found,
                    "#/components/schemas/Verification/properties/id: $ref "
                    "\"#/components/schemas/NoSuchSchema\" does not resolve"));
  CHECK(has_problem(found, "Funnel/properties/started: the schema keyword exclusiveMinimum"));
  CHECK(has_problem(found, "pattern (a does not compile"));
  CHECK(has_problem(found, "#/components/responses/Nothing does not resolve"));
}

TEST_CASE("openapi: exactly the native API's operations, each with an id, roles and security",
          "[integration][openapi]") {
  const std::vector<std::string> expected = {
      "GET /console",
      "GET /console/",
      "GET /console/assets/{asset}",
      "GET /console/{file}",
      "GET /healthz",
      "GET /metrics",
      "GET /openapi.json",
      "GET /readyz",
      "GET /v1/brands",
      "GET /v1/brands/{brand}/alerts",
      "GET /v1/brands/{brand}/audit",
      "GET /v1/brands/{brand}/stats",
      "GET /v1/brands/{brand}/subscribers/{phone}",
      "GET /v1/brands/{brand}/templates",
      "GET /v1/brands/{brand}/templates/{locale}",
      "GET /v1/brands/{brand}/templates/{locale}/versions",
      "GET /v1/gateways/{gateway}/delivery-reports",
      "GET /v1/me",
      "GET /v1/stats",
      "GET /v1/verifications/{id}",
      "POST /v1/brands/{brand}/subscribers/{phone}/unlock",
      "POST /v1/brands/{brand}/templates/{locale}/preview",
      "POST /v1/brands/{brand}/templates/{locale}/rollback",
      "POST /v1/gateways/{gateway}/delivery-reports",
      "POST /v1/verifications",
      "POST /v1/verifications/{id}/cancel",
      "POST /v1/verifications/{id}/check",
      "POST /v1/verifications/{id}/resend",
      "PUT /v1/brands/{brand}/templates/{locale}",
  };
  CHECK(api().routes() == expected);
  CHECK(otpgate::test::routes() == expected);

  const json& doc = api().document();
  CHECK(doc["components"]["securitySchemes"]["bearerAuth"]["type"] == "http");
  CHECK(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer");
  const std::set<std::string> roles = {"shop", "support", "brand_manager", "analyst", "admin"};
  std::set<std::string> ids;
  for (const auto& [method, path, op] : operations(doc)) {
    CAPTURE(method, path);
    const std::string id = op.value("operationId", "");
    CHECK(!id.empty());
    CHECK(ids.insert(id).second);  // unique
    CHECK(!op.value("summary", "").empty());
    REQUIRE(op.contains("security"));
    const bool open = op["security"].empty();
    const bool is_v1 = path.rfind("/v1/", 0) == 0;
    const bool vendor = path.find("/delivery-reports") != std::string::npos;
    CHECK(open == (!is_v1 || vendor));  // every /v1 route but the vendors' needs a key
    if (open) {
      CHECK(!op.contains("x-roles"));
    } else {
      CHECK(op["security"] == json::parse(R"([{"bearerAuth": []}])"));
      REQUIRE(op.contains("x-roles"));
      CHECK(!op["x-roles"].empty());
      for (const auto& r : op["x-roles"]) CHECK(roles.count(r.get<std::string>()) == 1);
      CHECK(op["responses"].contains("401"));
      // A route every role may call (GET /v1/me) has no 403 to document.
      CHECK(op["responses"].contains("403") == (op["x-roles"].size() < roles.size()));
    }
    CHECK(op.value("x-all-brands-key", false) == (path == "/v1/stats"));
    // At least one success (a redirect's is its 3xx), and every path parameter declared (on the
    // path or the operation).
    bool success = false;
    for (auto r = op["responses"].begin(); r != op["responses"].end(); ++r)
      success = success || r.key()[0] == '2' || (op["tags"][0] == "Console" && r.key()[0] == '3');
    CHECK(success);
    std::set<std::string> declared;
    for (const auto* list : {&doc["paths"][path], &op})
      for (const auto& p : list->value("parameters", json::array())) {
        const json param = resolved(doc, p);
        if (param["in"] == "path") declared.insert(param["name"].get<std::string>());
      }
    std::set<std::string> in_path;
    for (auto open_brace = path.find('{'); open_brace != std::string::npos;
         open_brace = path.find('{', open_brace + 1))
      in_path.insert(path.substr(open_brace + 1, path.find('}', open_brace) - open_brace - 1));
    CHECK(declared == in_path);
  }
}

TEST_CASE("openapi: each error response lists in x-error-codes exactly the codes it allows",
          "[integration][openapi]") {
  const json& doc = api().document();
  std::size_t checked = 0;
  for (const auto& [method, path, op] : operations(doc)) {
    for (auto r = op["responses"].begin(); r != op["responses"].end(); ++r) {
      if (r.key()[0] != '4' && r.key()[0] != '5') continue;
      CAPTURE(method, path, r.key());
      const json response = resolved(doc, r.value());
      REQUIRE(response.contains("x-error-codes"));
      std::set<std::pair<int, std::string>> listed;
      for (const auto& code : response["x-error-codes"])
        listed.emplace(std::stoi(r.key()), code.get<std::string>());
      CHECK(error_codes(doc, response["content"]["application/json"]["schema"]) == listed);
      ++checked;
    }
  }
  CHECK(checked > 100);
}

TEST_CASE("openapi validator: the schema keywords", "[integration][openapi]") {
  // A document holding the schema, so that its patterns are compiled.
  const auto v = [](const json& value, const json& schema) {
    return OpenApiValidator(json{{"paths", json::object()}, {"x-schema", schema}})
        .validate(value, schema);
  };
  CHECK_VALID(v(5, {{"type", "integer"}}));
  CHECK_VALID(v(5.0, {{"type", "integer"}}));
  CHECK_PROBLEM(v(5.5, {{"type", "integer"}}), "$: expected integer, got 5.5");
  CHECK_VALID(v(nullptr, {{"type", {"string", "null"}}}));
  CHECK_PROBLEM(v(true, {{"type", {"string", "null"}}}), "expected string or null");
  CHECK_VALID(v("ü", {{"minLength", 1}, {"maxLength", 1}}));  // code points, not bytes
  CHECK_PROBLEM(v("üü", {{"maxLength", 1}}), "is longer than 1");
  CHECK_PROBLEM(v("", {{"minLength", 1}}), "is shorter than 1");
  CHECK_VALID(v("ab12", {{"pattern", "[0-9]{2}$"}}));  // searched, not anchored
  CHECK_PROBLEM(v("ab", {{"pattern", "^[0-9]+$"}}), "does not match \"^[0-9]+$\"");
  CHECK_PROBLEM(v(0, {{"minimum", 1}}), "is less than 1");
  CHECK_PROBLEM(v(3, {{"maximum", 2}}), "is more than 2");
  CHECK_PROBLEM(v("c", {{"enum", {"a", "b"}}}), "\"c\" is not one of [\"a\",\"b\"]");
  CHECK_PROBLEM(v(2, {{"const", 1}}), "expected 1, got 2");
  CHECK_PROBLEM(v(json::array({1, 2}), {{"maxItems", 1}}), "more than 1 items");
  CHECK_PROBLEM(v(json::array(), {{"minItems", 1}}), "fewer than 1 items");
  CHECK_PROBLEM(v(json::array({1, "x"}), {{"items", {{"type", "integer"}}}}), "$[1]");
  const json any_of = {{"anyOf", {{{"type", "string"}}, {{"type", "null"}}}}};
  CHECK_VALID(v(nullptr, any_of));
  CHECK_PROBLEM(v(1, any_of), "matches none of anyOf");
  const json one_of = {{"oneOf", {{{"minimum", 0}}, {{"maximum", 10}}}}};
  CHECK_VALID(v(-1, one_of));
  CHECK_PROBLEM(v(5, one_of), "oneOf needs exactly one");
  CHECK_PROBLEM(v(1, {{"allOf", {{{"minimum", 0}}, {{"minimum", 2}}}}}), "less than 2");
  CHECK_PROBLEM(v(1, {{"exclusiveMinimum", 0}}), "keyword exclusiveMinimum is not supported");
  // String keywords apply to strings only, and so on: a null passes a pattern.
  CHECK_VALID(v(nullptr, {{"pattern", "^x$"}, {"minimum", 3}, {"required", {"a"}}}));
}

TEST_CASE("openapi validator: wrong answers are problems", "[integration][openapi]") {
  const std::string get = "/v1/verifications/vf_k3x7mq2w7ab5c6d7e2f3g4h5i6j7k2l3m4n5";
  CHECK_VALID(answer("GET", get, 200, verification()));
  // The network signals' results as signals_to_json writes them; never the customer's values.
  json signalled = verification();
  signalled["signals"] = json::parse(R"({"sim_swap": {"result": "swapped"}, "kyc": {"result":
      "mismatch", "fields": {"given_name": {"match": "false", "score": 40}, "birthdate":
      {"match": "not_available"}}}, "flagged": true})");
  CHECK_VALID(answer("GET", get, 200, signalled));
  signalled["signals"]["kyc"]["fields"]["given_name"]["value"] = "Ada";
  CHECK_PROBLEM(answer("GET", get, 200, signalled), "value");

  json v = verification();
  v["attempts_left"] = "5";
  CHECK_PROBLEM(answer("GET", get, 200, v),
                "GET /v1/verifications/{id} -> 200: $.attempts_left: expected integer");
  v = verification();
  v.erase("delivery");
  CHECK_PROBLEM(answer("GET", get, 200, v), "$: the required property delivery is missing");
  v = verification();
  v["code"] = "123456";  // the code is never returned
  CHECK_PROBLEM(answer("GET", get, 200, v), "$: the property code is not allowed");
  v = verification();
  v["phone_number"] = "+4915112345678";  // nor the raw number
  CHECK_PROBLEM(answer("GET", get, 200, v), "$.phone_number: \"+4915112345678\" does not");
  v = verification();
  v["status"] = "verified";
  CHECK_PROBLEM(answer("GET", get, 200, v), "$.status: \"verified\" is not one of");
  v = verification();
  v["delivery"]["message_id"] = 17;
  CHECK_PROBLEM(answer("GET", get, 200, v), "$.delivery.message_id: expected string or null");

  // Statuses, paths and methods the document does not list.
  CHECK_PROBLEM(answer("POST", get + "/check", 201, verification()),
                "POST /v1/verifications/{id}/check -> 201: status not documented");
  CHECK_PROBLEM(answer("GET", "/v1/nothing", 200, json::object()),
                "no path of the document matches /v1/nothing");
  CHECK_PROBLEM(answer("GET", "/v1/brands/nordwind/templates/", 404, json::object()),
                "no path of the document matches");  // an empty segment is no route
  CHECK_PROBLEM(answer("DELETE", get, 200, verification()), "documents no DELETE");
  // A 405 to a method the path does not take is how every route answers: checked as such.
  const json not_allowed = {
      {"status", 405}, {"code", "METHOD_NOT_ALLOWED"}, {"message", "Not this method."}};
  CHECK_VALID(answer("DELETE", get, 405, not_allowed));
  CHECK_PROBLEM(answer("DELETE", get, 405, {{"status", 405}}), "code is missing");

  // Bodies: the media type, JSON at all, nothing where nothing is documented.
  CHECK_PROBLEM(answer("GET", get, 200, verification(), "text/html"),
                "Content-Type \"text/html\" is not documented");
  CHECK_PROBLEM(api().validate_response("GET", get, 200, "application/json", "{\"id\":"),
                "the body is not JSON");
  CHECK_PROBLEM(api().validate_response("POST", "/v1/gateways/tw/delivery-reports", 204, "", "{}"),
                "no body is documented, got 2 bytes");

  // Error bodies: the codes of the route, with their details.
  const json wrong_code = {{"status", 422},
                           {"code", "CODE_INVALID"},
                           {"message", "The code is not correct."},
                           {"verification", verification()}};
  CHECK_PROBLEM(answer("POST", get + "/check", 422, wrong_code),
                "the required property attempts_left is missing");
  const json blocked = {{"status", 403},
                        {"code", "PHONE_NUMBER_BLOCKED"},
                        {"message", "The phone number is temporarily locked."}};
  CHECK_VALID(answer("POST", get + "/check", 403, blocked));
  CHECK_PROBLEM(answer("POST", get + "/cancel", 403, blocked),
                "$.code: expected \"PERMISSION_DENIED\", got \"PHONE_NUMBER_BLOCKED\"");
  json not_found = {{"status", 404}, {"code", "NOT_FOUND"}, {"message", "No such verification."}};
  CHECK_VALID(answer("GET", get, 404, not_found));
  not_found["verification"] = verification();  // never for NOT_FOUND
  CHECK_PROBLEM(answer("GET", get, 404, not_found), "the property verification is not");
  // The nested schema is strict too.
  json expired = {{"status", 410}, {"code", "VERIFICATION_EXPIRED"}, {"message", "Expired."}};
  expired["verification"] = verification();
  CHECK_PROBLEM(answer("POST", get + "/cancel", 410, expired),
                "$.verification.status: expected \"expired\", got \"pending\"");
  expired["verification"]["status"] = "expired";
  CHECK_VALID(answer("POST", get + "/cancel", 410, expired));
}

TEST_CASE("openapi validator: the server's real answers are valid", "[integration][openapi]") {
  // openapi_answers.jsonl: answers of a real otpgate, one per route, status and error code
  // (verifications, delivery reports, templates, support tools, analytics, Redis down, the
  // console's files, /v1/me and /v1/brands).
  std::ifstream in(OTPGATE_SOURCE_DIR "/tests/integration/api/openapi_answers.jsonl");
  REQUIRE(in);
  std::set<std::string> succeeded;  // "METHOD template" of the 2xx answers (3xx for a redirect)
  std::size_t answers = 0;
  for (std::string line; std::getline(in, line); ++answers) {
    const json a = json::parse(line);
    const std::string method = a["method"], path = a["path"];
    const int status = a["status"];
    CAPTURE(method, path, status);
    CHECK_VALID(api().validate_response(method, path, status, a["type"], a["body"]));
    if (status < 300 || status == 308) succeeded.insert(api().route_of(method, path));
  }
  CHECK(answers > 50);
  // A success of every operation but two: GET /openapi.json (below) and the vendors' GET
  // reports (a generic gateway reports by POST).
  std::set<std::string> missing;
  for (const auto& route : api().routes())
    if (!succeeded.count(route)) missing.insert(route);
  CHECK(missing ==
        std::set<std::string>{"GET /openapi.json", "GET /v1/gateways/{gateway}/delivery-reports"});
  // And this document is what GET /openapi.json answers.
  CHECK_VALID(api().validate_response("GET", "/openapi.json", 200, "application/json",
                                      api().document().dump()));
}
