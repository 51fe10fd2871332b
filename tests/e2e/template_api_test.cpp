// The brand managers' template API on the real binary: read, write with If-Match, the lint's
// refusals, the brand and role boundaries (template_versions_test.cpp: versions, rollback,
// audit, preview, a second process). Each test makes its own brand (a unique id), so the shared
// Redis holds no state another test reads.
#include "template_world.hpp"

#include <future>
#include <thread>

using namespace otpgate::test;
using nlohmann::json;

TEST_CASE("a brand manager reads, writes and the next SMS uses the new text", "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());

  const auto list = http_get(w.url(p, ""), w.as("manager"));
  REQUIRE(list.status == 200);
  const json all = list.json()["templates"];
  REQUIRE(all.size() == 2);  // en from the brand folder, de from the default templates
  CHECK(all[0]["locale"] == "de");
  CHECK(all[1]["locale"] == "en");
  CHECK(all[1]["source"] == "brand");
  CHECK(all[0]["source"] == "default");
  CHECK(all[1]["text"] == "{{code}} is your Tplco code.");

  const auto read = http_get(w.url(p, "/en"), w.as("manager"));
  REQUIRE(read.status == 200);
  CHECK(read.header("etag") == "\"0\"");
  CHECK(read.json()["version"] == 0);
  CHECK(read.json()["sms"]["encoding"] == "gsm7");
  CHECK(read.json()["sms"]["segments"] == 1);

  const auto saved =
      w.put(p, "en", "Tplco: {{code}} is your code, valid {{ttl_minutes}} min.", "\"0\"");
  REQUIRE(saved.status == 200);
  CHECK(saved.header("etag") == "\"1\"");
  CHECK(saved.json()["version"] == 1);
  CHECK(saved.json()["source"] == "api");
  CHECK(saved.json()["in_effect"] == true);

  // The same process applies its own edit at once.
  const std::string sms = w.sms_text(p);
  CHECK(sms.rfind("Tplco: ", 0) == 0);
  CHECK(sms.find("is your code, valid 5 min.") != std::string::npos);

  const auto again = http_get(w.url(p, "/EN"), w.as("manager"));  // locales are case-blind
  REQUIRE(again.status == 200);
  CHECK(again.json()["locale"] == "en");
  CHECK(again.json()["version"] == 1);
}

TEST_CASE("two managers save at once: one wins, the other gets 412 with the current version",
          "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  for (int round = 0; round < 5; ++round) {
    const std::string etag = http_get(w.url(p, "/en"), w.as("manager")).header("etag");
    auto a = std::async(std::launch::async, [&] {
      return w.put(p, "en", "A{{code}} round " + std::to_string(round), etag, "manager");
    });
    auto b = std::async(std::launch::async, [&] {
      return w.put(p, "en", "B{{code}} round " + std::to_string(round), etag, "manager2");
    });
    const HttpResponse ra = a.get(), rb = b.get();
    const std::multiset<long> statuses = {ra.status, rb.status};
    REQUIRE(statuses == std::multiset<long>{200, 412});
    const HttpResponse& lost = ra.status == 412 ? ra : rb;
    const HttpResponse& won = ra.status == 200 ? ra : rb;
    CHECK(lost.json()["code"] == "PRECONDITION_FAILED");
    CHECK(lost.json()["current_version"] == won.json()["version"]);
    CHECK(lost.header("etag") == won.header("etag"));
    // The stored text is the winner's.
    CHECK(http_get(w.url(p, "/en"), w.as("manager")).json()["text"] == won.json()["text"]);
  }
  const auto history = http_get(w.url(p, "/en/versions"), w.as("manager")).json();
  CHECK(history["versions"].size() == 5);  // one saved edit per round, no lost update
}

TEST_CASE("writes need If-Match, a stale one changes nothing", "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  const auto missing = w.put(p, "en", "{{code}} new", "");
  CHECK(missing.status == 428);
  CHECK(missing.json()["code"] == "PRECONDITION_REQUIRED");
  const auto malformed = w.put(p, "en", "{{code}} new", "\"0\", \"1\"");
  CHECK(malformed.status == 400);
  CHECK(malformed.json()["field"] == "If-Match");
  // A weak ETag never matches in a strong comparison (RFC 9110): 412, not a save.
  const auto weak = w.put(p, "en", "{{code}} new", "W/\"0\"");
  CHECK(weak.status == 412);
  CHECK(weak.json()["current_version"] == 0);
  const auto stale = w.put(p, "en", "{{code}} new", "\"7\"");
  CHECK(stale.status == 412);
  CHECK(stale.json()["current_version"] == 0);
  const auto any = w.put(p, "en", "{{code}} any", "*");
  CHECK(any.status == 200);
  CHECK(any.json()["version"] == 1);
  CHECK(http_get(w.url(p, "/en/versions"), w.as("manager")).json()["versions"].size() == 1);
}

TEST_CASE("bad templates get 422 TEMPLATE_INVALID with problems and nothing is stored",
          "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Your code is ready.", "MISSING_CODE"},
      {"{{code}} for {{customer}}", "UNKNOWN_VARIABLE"},
      {"{{code} is yours", "MALFORMED_PLACEHOLDER"},
      {"{{ code }} is yours", "MALFORMED_PLACEHOLDER"},
      {std::string(5000, 'x') + "{{code}}", "TEMPLATE_TOO_LONG"},
  };
  for (const auto& [text, code] : cases) {
    INFO(code);
    const auto r = w.put(p, "en", text, "*");
    REQUIRE(r.status == 422);
    CHECK(r.json()["code"] == "TEMPLATE_INVALID");
    CHECK(r.json()["status"] == 422);
    CHECK(has(problem_codes(r), code));
    const json body = r.json();
    for (const auto& problem : body["problems"]) {
      CHECK(problem.contains("message"));
      CHECK(problem.contains("position"));
      CHECK(problem.contains("severity"));
    }
  }
  // An unknown variable is reported where it starts (code points, 0-based).
  const auto unknown = w.put(p, "en", "ü{{code}} {{customer}}", "*");
  REQUIRE(unknown.status == 422);
  CHECK(unknown.json()["problems"][0]["position"] == 10);

  // Invalid UTF-8 reaches the lint as a raw text/plain body (JSON cannot carry it).
  Headers plain =
      w.as("manager", {{"Content-Type", "text/plain; charset=utf-8"}, {"If-Match", "*"}});
  const auto utf8 = http_request("PUT", w.url(p, "/en"), plain, std::string("{{code}} \xC3\x28 x"));
  REQUIRE(utf8.status == 422);
  CHECK(has(problem_codes(utf8), "INVALID_UTF8"));
  // A valid text/plain body is a normal save.
  const auto plain_ok = http_request("PUT", w.url(p, "/en"), plain, "{{code}} plain");
  CHECK(plain_ok.status == 200);

  const auto locale = w.put(p, "not_a_locale", "{{code}}", "*");
  REQUIRE(locale.status == 422);
  CHECK(problem_codes(locale) == std::vector<std::string>{"INVALID_LOCALE"});

  // Malformed requests are 400/405/413, not 422.
  CHECK(http_request("PUT", w.url(p, "/en"),
                     w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "*"}}),
                     "{\"text\": 5}")
            .status == 400);
  CHECK(http_request("PUT", w.url(p, "/en"),
                     w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "*"}}),
                     "{\"text\": \"{{code}}\", \"x\": 1}")
            .status == 400);
  CHECK(http_request("PUT", w.url(p, "/en"),
                     w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "*"}}),
                     "{not json")
            .status == 400);
  CHECK(http_request("PUT", w.url(p, "/en"),
                     w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "*"}}),
                     std::string(20000, ' '))
            .status == 413);
  CHECK(http_request("DELETE", w.url(p, "/en"), w.as("manager")).status == 405);
  CHECK(http_get(w.url(p, "/en/nonsense"), w.as("manager")).status == 404);
  CHECK(http_get(w.url(p, "/fr"), w.as("manager")).status == 404);  // no template for fr
  CHECK(http_get(w.url(p, "/"), w.as("manager")).status == 404);
  CHECK(http_get(w.url(p, "/en/"), w.as("manager")).status == 404);
  CHECK(w.put(p, "en/", "{{code}} slash", "*").status == 404);
  CHECK(http_request("DELETE", w.url(p, "/xx_YY"), w.as("manager")).status == 405);
  // Only the brand's own locales take a text: any other would never be sent.
  const auto unoffered = w.put(p, "fr", "{{code}} est votre code.", "*");
  REQUIRE(unoffered.status == 422);
  CHECK(problem_codes(unoffered) == std::vector<std::string>{"LOCALE_NOT_OFFERED"});
  // Bytes that are not UTF-8 in the path or the query: a 4xx, never a 500.
  const std::string auth = "Authorization: Bearer " + w.brands.key("manager") + "\r\n";
  const std::string raw_locale = raw_exchange(
      p.port(), "GET /v1/brands/" + w.brand + "/templates/\xFF HTTP/1.1\r\nHost: x\r\n" + auth +
                    "Connection: close\r\n\r\n");
  CHECK(raw_locale.rfind("HTTP/1.1 422", 0) == 0);
  const std::string support_auth = "Authorization: Bearer " + w.brands.key("support") + "\r\n";
  const std::string raw_query =
      raw_exchange(p.port(), "GET /v1/brands/" + w.brand + "/audit?%FF=1 HTTP/1.1\r\nHost: x\r\n" +
                                 support_auth + "Connection: close\r\n\r\n");
  CHECK(raw_query.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(p.log_text().find("\"level\":\"error\"") == std::string::npos);

  // Only the one valid text/plain save was stored.
  const auto history = http_get(w.url(p, "/en/versions"), w.as("manager")).json();
  REQUIRE(history["versions"].size() == 1);
  CHECK(history["versions"][0]["text"] == "{{code}} plain");
  CHECK(http_get(p.base_url() + "/healthz").status == 200);
}

TEST_CASE("brand and role boundaries of the template and audit endpoints", "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string other_url = p.base_url() + "/v1/brands/" + w.other + "/templates";
  // A manager of another brand: 403 on reads and writes, also for a brand that does not exist.
  CHECK(http_get(w.url(p, ""), w.as("other-manager")).status == 403);
  CHECK(w.put(p, "en", "{{code}} hijack", "*", "other-manager").status == 403);
  CHECK(http_get(p.base_url() + "/v1/brands/no-such-brand/templates", w.as("manager")).status ==
        403);
  CHECK(http_get(other_url, w.as("other-manager")).status == 200);
  // Other roles of the same brand.
  CHECK(http_get(w.url(p, ""), w.as("shop")).status == 403);
  CHECK(w.put(p, "en", "{{code}} by support", "*", "support").status == 403);
  CHECK(http_get(w.url(p, ""), {}).status == 401);
  CHECK(http_get(w.url(p, ""), {bearer("not-a-key")}).status == 401);
  // The audit log: support and admin, not brand managers or shops.
  const std::string audit = p.base_url() + "/v1/brands/" + w.brand + "/audit";
  CHECK(http_get(audit, w.as("support")).status == 200);
  CHECK(http_get(audit, w.as("admin")).status == 200);
  CHECK(http_get(audit, w.as("manager")).status == 403);
  CHECK(http_get(audit, w.as("shop")).status == 403);
  CHECK(http_get(p.base_url() + "/v1/brands/" + w.other + "/audit", w.as("support")).status == 403);
  // Nothing changed on the other brand.
  CHECK(http_get(other_url + "/en/versions", w.as("other-manager")).json()["versions"].empty());
}
