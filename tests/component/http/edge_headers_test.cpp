// The edge-header rule (http/edge_headers.hpp) stepped by hand: which paths are the console's,
// what each kind of answer gets, and that an answer's own Cache-Control is kept.
#include "otpgate/http/edge_headers.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

namespace {

using otpgate::http::add_edge_headers;
using otpgate::http::Response;

// Every value `r` carries for `name` (exact spelling), in order.
std::vector<std::string> values(const Response& r, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : r.headers)
    if (n == name) out.push_back(v);
  return out;
}

using list = std::vector<std::string>;

}  // namespace

TEST_CASE("edge headers: the console's paths are /console and what is under /console/",
          "[component][http][edge]") {
  using otpgate::http::is_console_path;
  for (const char* path : {"/console", "/console/", "/console/index.html", "/console/assets/a.js",
                           "/console/%2e%2e/keys.json"}) {
    CAPTURE(path);
    CHECK(is_console_path(path));
  }
  for (const char* path :
       {"", "/", "/consoles", "/console.html", "/v1/console/", "console/", "/CONSOLE/"}) {
    CAPTURE(path);
    CHECK_FALSE(is_console_path(path));
  }
}

TEST_CASE("edge headers: a console answer gets the security headers and no-store",
          "[component][http][edge]") {
  Response r;
  r.status = 404;
  add_edge_headers("/console/nope.js", r);
  CHECK(values(r, "Content-Security-Policy").size() == 1);
  CHECK(values(r, "Content-Security-Policy")[0].find("frame-ancestors 'none'") !=
        std::string::npos);
  CHECK(values(r, "X-Content-Type-Options") == list{"nosniff"});
  CHECK(values(r, "Referrer-Policy") == list{"no-referrer"});
  CHECK(values(r, "X-Frame-Options") == list{"DENY"});
  CHECK(values(r, "Cross-Origin-Opener-Policy") == list{"same-origin"});
  CHECK(values(r, "Cache-Control") == list{"no-store"});
}

TEST_CASE("edge headers: any other answer gets nosniff and no-store only",
          "[component][http][edge]") {
  for (const char* path : {"/v1/me", "/healthz", ""}) {
    CAPTURE(path);
    Response r;
    add_edge_headers(path, r);
    CHECK(r.headers == std::vector<std::pair<std::string, std::string>>{
                           {"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
  }
}

TEST_CASE("edge headers: an answer's own Cache-Control is kept in any case of its name",
          "[component][http][edge]") {
  Response file;
  file.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  add_edge_headers("/console/assets/a.js", file);
  CHECK(values(file, "Cache-Control") == list{"public, max-age=31536000, immutable"});
  Response doc;
  doc.headers.emplace_back("cache-control", "no-cache");
  add_edge_headers("/openapi.json", doc);
  CHECK(values(doc, "Cache-Control").empty());
  CHECK(values(doc, "cache-control") == list{"no-cache"});
}
