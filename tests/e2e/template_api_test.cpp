// The brand managers' template API on the real binary: read, write with If-Match, the lint's
// refusals, preview, versions, rollback, audit, the brand and role boundaries, and a second
// process picking up an edit. Each test makes its own brand (a unique id), so the shared Redis
// holds no state another test reads.
#include "e2e_helpers.hpp"
#include "support/redis_server.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

using namespace otpgate::test;
using nlohmann::json;

namespace {

struct TemplateWorld {
  TempBrands brands;
  std::string brand = unique_brand("tpl");
  std::string other = unique_brand("oth");

  explicit TemplateWorld(const std::string& extra_policy = "") {
    brands.add(brand, R"({"display_name":"Tplco","sender_id":"Tplco","locales":["de","en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"])" +
                          extra_policy + "}");
    brands.add(other, R"({"display_name":"Other","sender_id":"Other","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})");
    write_template(brand, "en", "{{code}} is your Tplco code.");
    brands.add_key("manager", brand, "brand_manager");
    brands.add_key("manager2", brand, "brand_manager");
    brands.add_key("other-manager", other, "brand_manager");
    brands.add_key("shop", brand, "shop");
    brands.add_key("support", brand, "support");
    brands.add_key("admin", "*", "admin");
  }
  void write_template(const std::string& b, const std::string& locale, const std::string& text) {
    const std::string dir = brands.dir() + "/" + b + "/templates/" + locale;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/verification.txt") << text << "\n";
  }
  std::string url(const OtpgateProcess& p, const std::string& tail) const {
    return p.base_url() + "/v1/brands/" + brand + "/templates" + tail;
  }
  Headers as(const std::string& key_id, Headers extra = {}) const {
    extra.push_back(bearer(brands.key(key_id)));
    return extra;
  }
  HttpResponse put(const OtpgateProcess& p, const std::string& locale, const std::string& text,
                   const std::string& if_match, const std::string& key_id = "manager") const {
    Headers h = as(key_id, {{"Content-Type", "application/json"}});
    if (!if_match.empty()) h.emplace_back("If-Match", if_match);
    return http_request("PUT", url(p, "/" + locale), h, json{{"text", text}}.dump());
  }
  // The text of the newest SMS of a new verification in this brand.
  std::string sms_text(const OtpgateProcess& p, const std::string& locale = "en") const {
    const auto r =
        http_post_json(p.base_url() + "/v1/verifications",
                       {{"phone_number", fresh_phone()}, {"locale", locale}}, as("shop"));
    REQUIRE(r.status == 201);
    const std::string id = r.json()["id"];
    for (const auto& line : p.outbox_lines())
      if (line.value("verification_id", "") == id) return line.value("text", "");
    return "";
  }
};

std::vector<std::string> problem_codes(const HttpResponse& r) {
  std::vector<std::string> out;
  for (const auto& p : r.json().value("problems", json::array())) out.push_back(p["code"]);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

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

TEST_CASE("versions, rollback to an older version and back to the files, and the audit log",
          "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  REQUIRE(w.put(p, "en", "First {{code}}", "\"0\"").status == 200);
  REQUIRE(w.put(p, "en", "Second {{code}}", "\"1\"").status == 200);
  CHECK(w.sms_text(p).rfind("Second ", 0) == 0);

  const Headers h = w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "\"2\""}});
  const auto back = http_request("POST", w.url(p, "/en/rollback"), h, R"({"version":1})");
  REQUIRE(back.status == 200);
  CHECK(back.json()["version"] == 3);
  CHECK(back.json()["text"] == "First {{code}}");
  CHECK(w.sms_text(p).rfind("First ", 0) == 0);

  const auto stale = http_request("POST", w.url(p, "/en/rollback"), h, R"({"version":2})");
  CHECK(stale.status == 412);
  const Headers h3 = w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "\"3\""}});
  CHECK(http_request("POST", w.url(p, "/en/rollback"), h3, R"({"version":99})").status == 404);
  CHECK(http_request("POST", w.url(p, "/en/rollback"), h3, R"({"version":"1"})").status == 400);
  CHECK(http_request("POST", w.url(p, "/en/rollback"), h3, R"({"version":-1})").status == 400);

  const auto files = http_request("POST", w.url(p, "/en/rollback"), h3, R"({"version":0})");
  REQUIRE(files.status == 200);
  CHECK(files.json()["source"] == "brand");
  CHECK(files.json()["version"] == 4);
  CHECK(w.sms_text(p).find("is your Tplco code.") != std::string::npos);

  const auto history = http_get(w.url(p, "/en/versions"), w.as("manager")).json();
  REQUIRE(history["versions"].size() == 4);
  CHECK(history["current_version"] == 4);
  CHECK(history["versions"][0]["version"] == 4);
  CHECK(history["versions"][0]["action"] == "rollback");
  CHECK(history["versions"][0]["from_version"] == 0);
  CHECK(history["versions"][0]["text"].is_null());
  CHECK(history["versions"][1]["from_version"] == 1);
  CHECK(history["versions"][3]["text"] == "First {{code}}");
  CHECK(history["versions"][3]["actor"] == "manager");

  // Each change wrote one audit entry: who, what, when, old and new version; newest first,
  // paged with the cursor.
  const std::string audit = p.base_url() + "/v1/brands/" + w.brand + "/audit";
  const auto first = http_get(audit + "?limit=3", w.as("support"));
  REQUIRE(first.status == 200);
  const json page1 = first.json();
  REQUIRE(page1["entries"].size() == 3);
  CHECK(page1["entries"][0]["action"] == "template.rollback");
  CHECK(page1["entries"][0]["actor"] == "manager");
  CHECK(page1["entries"][0]["target"] == "templates/en");
  CHECK(page1["entries"][0]["old_version"] == 3);
  CHECK(page1["entries"][0]["new_version"] == 4);
  CHECK(page1["entries"][0]["at"].get<std::string>().size() == 24);
  REQUIRE(page1["next"].is_string());
  const auto second =
      http_get(audit + "?limit=3&before=" + page1["next"].get<std::string>(), w.as("support"));
  const json page2 = second.json();
  REQUIRE(page2["entries"].size() == 1);
  CHECK(page2["entries"][0]["action"] == "template.put");
  CHECK(page2["entries"][0]["new_version"] == 1);
  CHECK(page2["next"].is_null());
  CHECK(http_get(audit + "?limit=0", w.as("support")).status == 400);
  CHECK(http_get(audit + "?before=drop%20table", w.as("support")).status == 400);
  CHECK(http_get(audit + "?colour=red", w.as("support")).status == 400);
  CHECK(http_get(audit + "?before=99999999999999999999-0", w.as("support")).status == 400);
  const auto oldest = http_get(audit + "?before=0-0", w.as("support"));
  REQUIRE(oldest.status == 200);
  CHECK(oldest.json()["entries"].empty());
}

TEST_CASE("preview renders with sample or given values and reports encoding and segments",
          "[e2e][templates]") {
  TemplateWorld w(R"(,"max_segments":1)");
  OtpgateProcess p(w.brands.options());
  const Headers h = w.as("manager", {{"Content-Type", "application/json"}});
  const auto de = http_request("POST", w.url(p, "/de/preview"), h,
                               R"({"text":"{{code}}: {{amount}} an {{payee}} ✓"})");
  REQUIRE(de.status == 200);
  CHECK(de.json()["sms"]["text"].get<std::string>().find("1.234,56 € an Example Shop ✓") !=
        std::string::npos);
  // € is in GSM-7's extension table; ✓ is not, so it forces UCS-2 and is named with its place.
  CHECK(de.json()["sms"]["encoding"] == "ucs2");
  const json forcing = de.json()["sms"]["ucs2_characters"];
  REQUIRE(forcing.size() == 1);
  CHECK(forcing[0]["character"] == "✓");
  CHECK(forcing[0]["index"] == 35);
  CHECK(has(problem_codes(de), "UCS2_CHARACTER"));

  const auto given = http_request(
      "POST", w.url(p, "/en/preview"), h,
      R"({"text":"{{code}}: {{amount}} to {{payee}}","order":{"amount":"49.9","currency":"GBP","payee":"Kiosk"}})");
  REQUIRE(given.status == 200);
  CHECK(given.json()["sms"]["text"].get<std::string>().find("£49.90 to Kiosk") !=
        std::string::npos);

  // Without a text: the template in effect.
  const auto current = http_request("POST", w.url(p, "/en/preview"), h, "");
  REQUIRE(current.status == 200);
  CHECK(current.json()["text"] == "{{code}} is your Tplco code.");
  CHECK(current.json()["sms"]["segments"] == 1);

  // Over the brand's one-segment cap.
  const auto longer = http_request("POST", w.url(p, "/en/preview"), h,
                                   json{{"text", "{{code}} " + std::string(170, 'a')}}.dump());
  REQUIRE(longer.status == 422);
  CHECK(has(problem_codes(longer), "TOO_MANY_SEGMENTS"));
  CHECK(http_request("POST", w.url(p, "/en/preview"), h, R"({"order":{"amount":"1,5"}})").status ==
        400);
  CHECK(http_request("POST", w.url(p, "/en/preview"), h, R"({"values":{}})").status == 400);
  CHECK(http_request("GET", w.url(p, "/en/preview"), w.as("manager")).status == 405);
  // Previews store nothing.
  CHECK(http_get(w.url(p, "/en/versions"), w.as("manager")).json()["versions"].empty());
}

TEST_CASE("a second otpgate process uses a new version within a second", "[e2e][templates]") {
  TemplateWorld w;
  OtpgateProcess a(w.brands.options());
  OtpgateProcess b(w.brands.options());
  CHECK(w.sms_text(b).find("is your Tplco code.") != std::string::npos);
  REQUIRE(w.put(a, "en", "Edited {{code}} on a", "*").status == 200);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(w.sms_text(b).rfind("Edited ", 0) == 0);
  // And a rollback to the files travels the same way.
  const Headers h = w.as("manager", {{"Content-Type", "application/json"}, {"If-Match", "*"}});
  REQUIRE(http_request("POST", w.url(a, "/en/rollback"), h, R"({"version":0})").status == 200);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(w.sms_text(b).find("is your Tplco code.") != std::string::npos);
}

TEST_CASE("a stored template counter that goes backwards is followed, not ignored",
          "[e2e][templates]") {
  // As after a Redis restored from an older backup, or a deleted key: the instance must not
  // keep sending the old edit, and later edits must apply.
  TemplateWorld w;
  OtpgateProcess p(w.brands.options());
  for (int i = 0; i < 3; ++i)
    REQUIRE(w.put(p, "en", "Edit " + std::to_string(i) + " {{code}}", "*").status == 200);
  CHECK(w.sms_text(p).rfind("Edit 2 ", 0) == 0);
  redis_cli(shared_redis_port(), {"DEL", "otp:{brand:" + w.brand + "}:templates"});
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const std::string restored = w.sms_text(p);
  INFO(restored);
  CHECK(restored.find("is your Tplco code.") != std::string::npos);
  const auto after = w.put(p, "en", "After restore {{code}}", "*");
  INFO(after.body);
  REQUIRE(after.status == 200);  // version 1 again
  CHECK(w.sms_text(p).rfind("After restore ", 0) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a poll or two later, still
  CHECK(w.sms_text(p).rfind("After restore ", 0) == 0);
}

TEST_CASE("a template without a WebOTP domain cannot bring its own origin line",
          "[e2e][templates]") {
  TemplateWorld w;  // the brand has no webotp_domain
  OtpgateProcess p(w.brands.options());
  const auto r = w.put(p, "en", "Your code {{code}}\n@evil.example #{{code}}", "*");
  REQUIRE(r.status == 422);
  CHECK(has(problem_codes(r), "WEBOTP_LINE_IN_TEMPLATE"));
}
