// The web console's files served by the real binary (console/console_files.hpp): headers, ETags
// and 304s, the gzip variant, HEAD, the redirect, 404s for anything not loaded (traversal sent
// as raw request targets: an HTTP client would normalise them), 405, the console not built; and
// the two endpoints the console needs, GET /v1/me and GET /v1/brands, per kind of key.
#include "e2e_helpers.hpp"

#include <zlib.h>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>

using namespace otpgate::test;
namespace fs = std::filesystem;

namespace {

const std::string csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

const std::string index_html =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>otpgate</title>"
    "<script type=\"module\" src=\"./assets/app-ABC123.js\"></script></head>"
    "<body><main id=\"app\"></main></body></html>\n";

// A bundle-like script that gzip shrinks well.
std::string app_js() {
  std::string js;
  for (int i = 0; i < 200; ++i)
    js += "export function view" + std::to_string(i) + "() { return 'console view'; }\n";
  return js;
}

// A console build in a temp dir, with a secret next to it that no request may reach, a symbolic
// link to that secret inside it, and a dot file.
class ConsoleDir {
 public:
  ConsoleDir() {
    char tmpl[] = "/tmp/otpgate-console-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    fs::create_directories(dist() + "/assets");
    std::ofstream(dist() + "/index.html") << index_html;
    std::ofstream(dist() + "/assets/app-ABC123.js") << app_js();
    std::ofstream(dist() + "/.env") << "SECRET_IN_DOT_FILE";
    std::ofstream(root_ + "/keys.json") << "SECRET_NEXT_TO_THE_BUILD";
    fs::create_symlink(root_ + "/keys.json", dist() + "/keys.json");
    fs::create_directory_symlink(root_, dist() + "/up");
  }
  ~ConsoleDir() { fs::remove_all(root_); }
  ConsoleDir(const ConsoleDir&) = delete;
  ConsoleDir& operator=(const ConsoleDir&) = delete;

  std::string dist() const { return root_ + "/dist"; }
  OtpgateOptions options() const {
    OtpgateOptions o;
    o.env["OTPGATE_CONSOLE_DIR"] = dist();
    return o;
  }

 private:
  std::string root_;
};

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  CHECK(rc == Z_STREAM_END);
  return out;
}

void require_security_headers(const HttpResponse& r) {
  CHECK(r.header("content-security-policy") == csp);
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("cross-origin-opener-policy") == "same-origin");
}

bool strong_etag(const std::string& tag) {
  return std::regex_match(tag, std::regex("^\"[0-9a-f]{32}\"$"));
}

RawAnswer raw_get(const OtpgateProcess& p, const std::string& target,
                  const std::string& method = "GET") {
  return split_raw_answer(raw_exchange(
      p.port(), method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
}

}  // namespace

TEST_CASE("console: index.html and a hashed asset with their types and headers", "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  const auto index = http_get(p.base_url() + "/console/");
  REQUIRE(index.status == 200);
  CHECK(index.body == index_html);
  CHECK(index.header("content-type") == "text/html; charset=utf-8");
  CHECK(index.header("cache-control") == "no-cache");
  CHECK(index.header("content-encoding").empty());
  CHECK(strong_etag(index.header("etag")));
  require_security_headers(index);

  const auto same = http_get(p.base_url() + "/console/index.html");
  REQUIRE(same.status == 200);
  CHECK(same.body == index_html);
  CHECK(same.header("etag") == index.header("etag"));

  const auto js = http_get(p.base_url() + "/console/assets/app-ABC123.js");
  REQUIRE(js.status == 200);
  CHECK(js.body == app_js());
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(js.header("cache-control") == "public, max-age=31536000, immutable");
  CHECK(js.header("vary") == "Accept-Encoding");
  CHECK(strong_etag(js.header("etag")));
  CHECK(js.header("etag") != index.header("etag"));
  require_security_headers(js);
}

TEST_CASE("console: If-None-Match with the ETag answers 304 with the same headers",
          "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  const std::string url = p.base_url() + "/console/assets/app-ABC123.js";
  const std::string etag = http_get(url).header("etag");
  REQUIRE(strong_etag(etag));
  for (const std::string& field :
       {etag, "W/" + etag, "\"0123\", " + etag, "\"a,b\" ,W/" + etag, std::string("*")}) {
    CAPTURE(field);
    const auto r = http_get(url, {{"If-None-Match", field}});
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    // RFC 9110 8.6: a 304 may only repeat the 200's length; "0" would be a false one.
    CHECK(r.header("content-length").empty());
    CHECK(r.header("etag") == etag);
    CHECK(r.header("cache-control") == "public, max-age=31536000, immutable");
    CHECK(r.header("vary") == "Accept-Encoding");
    require_security_headers(r);
  }
  for (const std::string& field : {std::string("\"0123\""), etag.substr(0, etag.size() - 2) + "\"",
                                   std::string("\"a\", \"b\"")}) {
    CAPTURE(field);
    const auto r = http_get(url, {{"If-None-Match", field}});
    CHECK(r.status == 200);
    CHECK(r.body == app_js());
  }
}

TEST_CASE("console: the gzip variant when the client takes gzip and not with q=0",
          "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  const std::string url = p.base_url() + "/console/assets/app-ABC123.js";
  const auto plain = http_get(url);
  const auto gz = http_get(url, {{"Accept-Encoding", "br;q=1, gzip;q=0.5"}});
  REQUIRE(gz.status == 200);
  CHECK(gz.header("content-encoding") == "gzip");
  CHECK(gz.header("vary") == "Accept-Encoding");
  CHECK(gz.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(gz.body.size() < plain.body.size());
  CHECK(gunzip(gz.body) == app_js());
  CHECK(strong_etag(gz.header("etag")));
  CHECK(gz.header("etag") != plain.header("etag"));
  require_security_headers(gz);

  for (const char* refused : {"gzip;q=0", "gzip; q=0.000, br", "*;q=0", "identity"}) {
    CAPTURE(refused);
    const auto r = http_get(url, {{"Accept-Encoding", refused}});
    REQUIRE(r.status == 200);
    CHECK(r.header("content-encoding").empty());
    CHECK(r.body == app_js());
    CHECK(r.header("etag") == plain.header("etag"));
    CHECK(r.header("vary") == "Accept-Encoding");
  }
  // Each variant's ETag revalidates that variant only.
  CHECK(http_get(url, {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz.header("etag")}}).status ==
        304);
  CHECK(http_get(url, {{"Accept-Encoding", "gzip"}, {"If-None-Match", plain.header("etag")}})
            .status == 200);
  CHECK(http_get(url, {{"If-None-Match", gz.header("etag")}}).status == 200);
}

TEST_CASE("console: HEAD has GET's headers and no body", "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  const auto a = raw_get(p, "/console/assets/app-ABC123.js", "HEAD");
  CHECK(a.status_line == "HTTP/1.1 200 OK");
  CHECK(a.head.find("content-length: " + std::to_string(app_js().size())) != std::string::npos);
  CHECK(a.head.find("content-type: text/javascript; charset=utf-8") != std::string::npos);
  CHECK(a.head.find("etag: \"") != std::string::npos);
  CHECK(a.head.find("content-security-policy: default-src 'self'") != std::string::npos);
  CHECK(a.body.empty());
}

TEST_CASE("console: /console redirects to /console/", "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  const auto r = http_get(p.base_url() + "/console");
  CHECK(r.status == 308);
  CHECK(r.header("location") == "/console/");
  require_security_headers(r);
  CHECK(http_get(p.base_url() + "/console?lang=de").header("location") == "/console/?lang=de");
}

TEST_CASE("console: unknown files and traversal attempts are 404 NOT_FOUND", "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  const auto missing = http_get(p.base_url() + "/console/assets/nope-1.js");
  require_error(missing, 404, "NOT_FOUND");
  require_security_headers(missing);
  // Left out at load: a symbolic link out of the build, a folder link, a dot file.
  for (const char* path : {"/console/keys.json", "/console/up/keys.json", "/console/.env"})
    require_error(http_get(p.base_url() + path), 404, "NOT_FOUND");

  const std::vector<std::string> targets = {"/console/../keys.json",
                                            "/console/%2e%2e/keys.json",
                                            "/console/%2E%2E%2Fkeys.json",
                                            "/console/..%2fkeys.json",
                                            "/console/assets/../../keys.json",
                                            "/console/assets/..%2F..%2Fkeys.json",
                                            "/console/assets%2fapp-ABC123.js",
                                            "/console/index.html%00",
                                            "/console/index.html%00.js",
                                            "/console/..",
                                            "/console/.",
                                            "/console/assets/.",
                                            "/console/%2e",
                                            "/console//index.html",
                                            "/console/up/keys.json",
                                            "/console/keys.json"};
  for (const auto& target : targets) {
    CAPTURE(target);
    const RawAnswer a = raw_get(p, target);
    CHECK(a.status_line == "HTTP/1.1 404 Not Found");
    CHECK(a.body.find("\"code\":\"NOT_FOUND\"") != std::string::npos);
    CHECK(a.body.find("SECRET") == std::string::npos);
    CHECK(a.head.find("x-content-type-options: nosniff") != std::string::npos);
  }
  // The server still serves.
  CHECK(http_get(p.base_url() + "/console/").status == 200);
}

TEST_CASE("console: other methods get 405 with Allow", "[e2e][console]") {
  ConsoleDir dir;
  OtpgateProcess p(dir.options());
  for (const char* path : {"/console/", "/console/index.html", "/console/assets/app-ABC123.js"}) {
    CAPTURE(path);
    const auto r = http_request("POST", p.base_url() + path, {}, "x");
    require_error(r, 405, "METHOD_NOT_ALLOWED");
    CHECK(r.header("allow") == "GET, HEAD");
    require_security_headers(r);
  }
  CHECK(http_request("DELETE", p.base_url() + "/console").status == 405);
}

TEST_CASE("console: not built the service starts and /console/ says so", "[e2e][console]") {
  OtpgateOptions o;
  o.env["OTPGATE_CONSOLE_DIR"] = "/nonexistent/otpgate-console-" + std::to_string(::getpid());
  OtpgateProcess p(o);
  for (const char* path : {"/console/", "/console/index.html", "/console/assets/app-ABC123.js"}) {
    CAPTURE(path);
    const auto r = http_get(p.base_url() + path);
    require_error(r, 404, "NOT_FOUND");
    CHECK(r.json()["message"].get<std::string>().find("not built") != std::string::npos);
    require_security_headers(r);
  }
  // One warning line at start-up names the variable.
  std::istringstream log(p.log_text());
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);)
    if (line.find("OTPGATE_CONSOLE_DIR") != std::string::npos) lines.push_back(line);
  REQUIRE(lines.size() == 1);
  CHECK(nlohmann::json::parse(lines[0])["level"] == "warn");
  CHECK(http_get(p.base_url() + "/healthz").status == 200);
}

TEST_CASE("GET /v1/me names the calling key and GET /v1/brands only its brands",
          "[e2e][console][roles]") {
  TempBrands brands;
  const std::string a = "mea" + std::to_string(::getpid());
  const std::string b = "meb" + std::to_string(::getpid());
  for (const auto& id : {a, b})
    brands.add(id, R"({"display_name":"Brand )" + id +
                       R"(","sender_id":"Brand","locales":["en","de"],
        "default_locale":"de","allowed_countries":["DE"],"gateways":["file"]})");
  brands.add_key("a-shop", a, "shop");
  brands.add_key("a-manager", a, "brand_manager");
  brands.add_key("b-analyst", b, "analyst");
  brands.add_key("all-support", "*", "support");
  OtpgateProcess p(brands.options());
  const std::string base = p.base_url();

  const auto me = http_get(base + "/v1/me", {bearer(brands.key("a-shop"))});
  REQUIRE(me.status == 200);
  CHECK(me.json() == nlohmann::json{{"key_id", "a-shop"}, {"brand", a}, {"roles", {"shop"}}});
  CHECK(me.body.find(brands.key("a-shop")) == std::string::npos);
  CHECK(me.body.find(otpgate::crypto::sha256_hex(brands.key("a-shop"))) == std::string::npos);
  CHECK(me.header("x-content-type-options") == "nosniff");
  CHECK(me.header("cache-control") == "no-store");
  CHECK(http_get(base + "/v1/me", {bearer(brands.key("all-support"))}).json() ==
        nlohmann::json{{"key_id", "all-support"}, {"brand", "*"}, {"roles", {"support"}}});
  require_error(http_get(base + "/v1/me"), 401, "UNAUTHENTICATED");
  require_error(http_get(base + "/v1/me", {bearer("not-a-key")}), 401, "UNAUTHENTICATED");

  const auto summary = [&](const std::string& id) {
    return nlohmann::json{{"id", id},
                          {"display_name", "Brand " + id},
                          {"locales", {"en", "de"}},
                          {"default_locale", "de"}};
  };
  const auto brands_of = [&](const std::string& key_id) {
    const auto r = http_get(base + "/v1/brands", {bearer(brands.key(key_id))});
    REQUIRE(r.status == 200);
    return r.json();
  };
  // A brand-A key sees brand A only, whatever its role; B's key sees B only; * sees both.
  CHECK(brands_of("a-shop") == nlohmann::json{{"brands", {summary(a)}}});
  CHECK(brands_of("a-manager") == nlohmann::json{{"brands", {summary(a)}}});
  CHECK(brands_of("b-analyst") == nlohmann::json{{"brands", {summary(b)}}});
  CHECK(brands_of("all-support") == nlohmann::json{{"brands", {summary(a), summary(b)}}});
  require_error(http_get(base + "/v1/brands"), 401, "UNAUTHENTICATED");
  CHECK(http_request("POST", base + "/v1/brands", {bearer(brands.key("a-shop"))}, "{}").status ==
        405);
}

TEST_CASE("API answers are not sniffed and not stored unless the route says so", "[e2e][console]") {
  OtpgateProcess p;
  const auto health = http_get(p.base_url() + "/healthz");
  CHECK(health.header("x-content-type-options") == "nosniff");
  CHECK(health.header("cache-control") == "no-store");
  CHECK(health.header("content-security-policy").empty());
  const auto missing = http_get(p.base_url() + "/v1/nothing");
  CHECK(missing.header("x-content-type-options") == "nosniff");
  CHECK(missing.header("cache-control") == "no-store");
  // The document keeps its own policy.
  CHECK(http_get(p.base_url() + "/openapi.json").header("cache-control") == "no-cache");
}
