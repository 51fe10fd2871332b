// The brand managers' template API on the real binary: versions, rollback to an older version
// and to the files, the audit log, preview, and a second process picking up an edit. Each test
// makes its own brand (a unique id), so the shared Redis holds no state another test reads.
#include "template_world.hpp"

#include <future>
#include <thread>

using namespace otpgate::test;
using nlohmann::json;

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
