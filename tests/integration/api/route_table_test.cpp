// The route table: matching, the 405 answer's methods, and the table's own consistency.
#include "otpgate/api/route_table.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace otpgate::api;

TEST_CASE("routes: a path template matches segment by segment and names its parameters",
          "[integration][routes]") {
  const auto check = match_route("POST", "/v1/verifications/vf_abc/check");
  REQUIRE(check.route != nullptr);
  CHECK(check.route->handler == Handler::check_verification);
  CHECK(check.param("id") == "vf_abc");
  CHECK(check.name == "/v1/verifications/{id}/check");
  const auto tpl = match_route("PUT", "/v1/brands/nordwind/templates/de-AT");
  REQUIRE(tpl.route != nullptr);
  CHECK(tpl.route->handler == Handler::put_template);
  CHECK(tpl.param("brand") == "nordwind");
  CHECK(tpl.param("locale") == "de-AT");
  CHECK(tpl.param("phone").empty());
}

TEST_CASE("routes: a known path with another method names the methods it takes",
          "[integration][routes]") {
  const auto get_check = match_route("GET", "/v1/verifications/vf_abc/check");
  CHECK(get_check.route == nullptr);
  CHECK(get_check.allow == "POST");
  CHECK(get_check.name == "/v1/verifications/{id}/check");
  const auto del = match_route("DELETE", "/v1/brands/b/templates/en");
  CHECK(del.route == nullptr);
  CHECK(del.allow == "GET, HEAD, PUT");
  const auto head = match_route("HEAD", "/healthz");
  REQUIRE(head.route != nullptr);
  CHECK(head.route->handler == Handler::healthz);
}

TEST_CASE("routes: empty segments, extra segments and unknown paths match nothing",
          "[integration][routes]") {
  for (const char* path :
       {"/v1/verifications/", "//v1/verifications", "/v1/verifications//check",
        "/v1/verifications/vf_abc/check/more", "/v1/verifications/vf_abc/explode", "/v1", "/", "",
        "*", "/v1/brands/b/templates/en/", "/healthz/x", "/v1/brands//stats"}) {
    CAPTURE(path);
    const auto m = match_route("GET", path);
    CHECK(m.route == nullptr);
    CHECK(m.allow.empty());
    CHECK(m.name == "{unmatched}");
  }
}

TEST_CASE("routes: each route is there once, named once, and keyed routes say who may call",
          "[integration][routes]") {
  std::set<std::string> operations;
  std::set<std::string> method_paths;
  for (const Route& r : routes()) {
    CAPTURE(r.operation);
    CHECK(operations.insert(std::string(r.operation)).second);
    CHECK(method_paths.insert(std::string(r.method) + " " + std::string(r.path)).second);
    CHECK(r.path.front() == '/');
    if (r.access == Access::api_key) {
      CHECK_FALSE(r.roles.empty());
      // A route every role may call (GET /v1/me) never refuses a role: no message to give.
      CHECK(r.denied.empty() == (r.roles.list().size() == 5 && !r.all_brands_key));
    } else {
      CHECK(r.roles.empty());
    }
  }
}

TEST_CASE("routes: the console's paths and the two about the key", "[integration][routes]") {
  CHECK(match_route("GET", "/console").route->handler == Handler::console_redirect);
  CHECK(match_route("GET", "/console/").route->handler == Handler::console_file);
  CHECK(match_route("HEAD", "/console/").route->handler == Handler::console_file);
  const auto file = match_route("GET", "/console/index.html");
  REQUIRE(file.route != nullptr);
  CHECK(file.name == "/console/{file}");
  const auto asset = match_route("GET", "/console/assets/app-1.js");
  REQUIRE(asset.route != nullptr);
  CHECK(asset.name == "/console/assets/{asset}");
  CHECK(asset.param("asset") == "app-1.js");
  const auto post = match_route("POST", "/console/");
  CHECK(post.route == nullptr);
  CHECK(post.allow == "GET, HEAD");
  for (const char* path : {"/console//index.html", "/console/a/b", "/console/assets/a/b.js",
                           "/console/assets//x.js", "/consolex", "/console/../keys.json/x"}) {
    CAPTURE(path);
    CHECK(match_route("GET", path).route == nullptr);
  }
  for (const char* path : {"/v1/me", "/v1/brands"}) {
    const auto m = match_route("GET", path);
    REQUIRE(m.route != nullptr);
    CHECK(m.route->access == Access::api_key);
    CHECK(m.route->roles.list().size() == 5);
    CHECK_FALSE(m.route->all_brands_key);
  }
  CHECK(match_route("GET", "/v1/brands/nordwind").route == nullptr);
}
