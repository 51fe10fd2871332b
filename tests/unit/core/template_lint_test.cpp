// The template lint (core/template_lint.hpp): the demo templates passing, the sample values,
// the caps, the placeholders, the code, PSD2 and the locale. The SMS's encoding, segments,
// autofill lines and control characters: template_lint_sms_test.cpp.
#include "template_lint_fixture.hpp"

using namespace otpgate;
using namespace otpgate::lint_test;

TEST_CASE("the demo templates pass the lint for the nordwind brand", "[unit][lint]") {
  const Brand nord = brand_from_json(*BrandId::parse("nordwind"),
                                     test::read_repo_json("brands/nordwind/brand.json"));
  REQUIRE_FALSE(nord.webotp_domain.empty());
  for (const char* file : {"templates/de/verification.txt", "templates/en/verification.txt",
                           "brands/nordwind/templates/de/verification.txt",
                           "brands/nordwind/templates/en/verification.txt"}) {
    CAPTURE(file);
    const std::string locale = std::string(file).find("/de/") != std::string::npos ? "de" : "en";
    const LintReport r = lint(read_template(file), nord, locale);
    CHECK(r.ok());
    CHECK(codes(r) == strings{});
    REQUIRE(r.parsed.has_value());
    REQUIRE(r.analysis.has_value());
    CHECK(r.analysis->encoding == SmsEncoding::gsm7);
    CHECK(r.analysis->segments == 1);
    const std::string last = "\n@shop.nordwind-mobil.example #123456";
    CHECK(r.sample_sms.size() > last.size());
    CHECK(r.sample_sms.substr(r.sample_sms.size() - last.size()) == last);
    CHECK(r.sample_sms.find("Nordwind") != std::string::npos);
  }
}

TEST_CASE("sample values follow the brand and the locale", "[unit][lint]") {
  json doc = brand_doc();
  doc["code"] = {{"length", 8}, {"alphabet", "alphanumeric"}, {"ttl_seconds", 90}};
  const TemplateValues de = sample_values(brand_of(doc), "de-AT");
  CHECK(de.code == "3456789A");
  CHECK(de.brand == "Acme");
  CHECK(de.ttl_minutes == "2");  // 90 s: whole minutes rounded up, as sent
  CHECK(de.amount == "1.234,56 €");
  CHECK(de.currency == "EUR");
  CHECK(de.payee == "Example Shop");
  CHECK(de.order_id == "ORDER-12345");

  const TemplateValues en = sample_values(plain_brand(), "en");
  CHECK(en.code == "123456");
  CHECK(en.ttl_minutes == "5");
  CHECK(en.amount == "€1,234.56");

  const TemplateValues order =
      sample_values(plain_brand(), "en",
                    {.amount = "9.5", .currency = "CHF", .payee = "Kiosk", .order_id = "A-1"});
  CHECK(order.amount == "CHF 9.50");
  CHECK(order.currency == "CHF");
  CHECK(order.payee == "Kiosk");
  CHECK(order.order_id == "A-1");
}

TEST_CASE("a text over 1000 bytes stops the lint", "[unit][lint]") {
  const std::string big = "{{code}} " + std::string(5 * 1024, 'a');
  const LintReport r = lint(big);
  CHECK(codes(r) == strings{"TEMPLATE_TOO_LONG"});
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.parsed.has_value());
  CHECK(r.sample_sms.empty());
  CHECK_FALSE(r.analysis.has_value());

  // Nothing else is looked at: an invalid locale and stray braces go unmentioned.
  CHECK(codes(lint_template(big + " }}", "de_AT", plain_brand(), {})) ==
        strings{"TEMPLATE_TOO_LONG"});

  const std::string limit = "{{code}}" + std::string(max_template_bytes - 8, 'a');
  REQUIRE(limit.size() == 1000);
  CHECK(lint(limit).ok());
  CHECK(codes(lint(limit + "a")) == strings{"TEMPLATE_TOO_LONG"});
}

TEST_CASE("an empty text is an error", "[unit][lint]") {
  const LintReport r = lint("");
  CHECK(codes(r) == strings{"TEMPLATE_EMPTY"});
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK_FALSE(r.ok());
}

TEST_CASE("invalid UTF-8 stops the lint at the code points decoded before it", "[unit][lint]") {
  struct Case {
    std::string text;
    std::size_t position;
  };
  const Case cases[] = {
      {"Grüße {{code}} \xC0\xAF", 15},   // overlong '/'
      {"ab\x80{{code}}", 2},             // lone continuation byte
      {"Preis: \xE2\x82", 7},            // € cut short
      {"\xED\xA0\x80{{code}}", 0},       // a UTF-16 surrogate
      {"{{code}} \xF5\x80\x80\x80", 9},  // beyond U+10FFFF
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const LintReport r = lint(c.text + " }} {{foo}}");
    CHECK(codes(r) == strings{"INVALID_UTF8"});
    CHECK(r.problems[0].position == c.position);
    CHECK(r.problems[0].severity == LintSeverity::error);
  }
}

TEST_CASE("placeholders written wrongly are errors at their opening braces", "[unit][lint]") {
  LintReport r = lint("Ihr Code: {{ code }}");
  CHECK(codes(r) == strings{"MALFORMED_PLACEHOLDER"});  // no MISSING_CODE on top
  CHECK(r.problems[0].position == 10);
  CHECK_THAT(r.problems[0].message, Catch::Contains("{{code}}"));
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.parsed.has_value());
  CHECK(r.sample_sms.empty());

  r = lint("Grüß dich: {{code}");  // ü and ß take two bytes each
  CHECK(codes(r) == strings{"MALFORMED_PLACEHOLDER"});
  CHECK(r.problems[0].position == 11);
  CHECK_THAT(r.problems[0].message, Catch::Contains("unclosed placeholder"));

  r = lint("{{code} gilt {{ttl_minutes}} Minuten");  // closed only by the next placeholder
  CHECK(codes(r) == strings{"MALFORMED_PLACEHOLDER"});
  CHECK(r.problems[0].position == 0);

  r = lint("{{code}} {{code\n}}");  // placeholders do not span lines
  CHECK(codes(r) == strings{"MALFORMED_PLACEHOLDER", "STRAY_CLOSING_BRACES"});
  CHECK(r.problems[0].position == 9);
  CHECK(r.problems[1].position == 16);

  CHECK(codes(lint("{{code}} {{}}")) == strings{"MALFORMED_PLACEHOLDER"});
  CHECK(codes(lint("{{{code}}}")) == strings{"MALFORMED_PLACEHOLDER"});
}

TEST_CASE("closing braces without an opening are an error", "[unit][lint]") {
  const LintReport r = lint("Ihr Code }} lautet {{code}}");
  CHECK(codes(r) == strings{"STRAY_CLOSING_BRACES"});
  CHECK(r.problems[0].position == 9);
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK(codes(lint("{{code}}}}")) == strings{"STRAY_CLOSING_BRACES"});

  // Single braces stay literal text.
  const LintReport single = lint("Code {x}: {{code}} }");
  CHECK(single.ok());
  CHECK(single.problems.empty());
  CHECK(single.sample_sms == "Code {x}: 123456 }");
}

TEST_CASE("unknown variables are named with the known ones", "[unit][lint]") {
  LintReport r = lint("{{code}} für {{foo}}");
  CHECK(codes(r) == strings{"UNKNOWN_VARIABLE"});
  CHECK(r.problems[0].position == 13);
  CHECK_THAT(r.problems[0].message, Catch::Contains("{{foo}}"));
  CHECK_THAT(r.problems[0].message, Catch::Contains("{{ttl_minutes}}"));
  CHECK_THAT(r.problems[0].message, Catch::Contains("{{order_id}}"));

  r = lint("{{CODE}}");
  CHECK(codes(r) == strings{"UNKNOWN_VARIABLE", "MISSING_CODE"});
  CHECK_THAT(r.problems[0].message, Catch::Contains("lower case, like {{code}}"));

  r = lint("{{code}} {{first name}}");
  CHECK(codes(r) == strings{"UNKNOWN_VARIABLE"});
  CHECK_THAT(r.problems[0].message, Catch::Contains("{{first name}}"));
}

TEST_CASE("every placeholder problem is reported, in text order", "[unit][lint]") {
  const LintReport r = lint("{{a}} ö {{ code }} }} {{brand}");
  CHECK(codes(r) == strings{"UNKNOWN_VARIABLE", "MALFORMED_PLACEHOLDER", "STRAY_CLOSING_BRACES",
                            "MALFORMED_PLACEHOLDER"});
  std::vector<std::optional<std::size_t>> positions;
  for (const auto& p : r.problems) positions.push_back(p.position);
  CHECK(positions == std::vector<std::optional<std::size_t>>{0, 8, 19, 22});
}

TEST_CASE("a report holds at most 20 problems, the last counting the rest", "[unit][lint]") {
  std::string text = "{{code}}";
  for (int i = 0; i < 30; ++i) text += " }}";
  const LintReport r = lint(text);
  REQUIRE(r.problems.size() == lint_max_problems);
  for (std::size_t i = 0; i + 1 < r.problems.size(); ++i) {
    CHECK(r.problems[i].code == "STRAY_CLOSING_BRACES");
    CHECK(r.problems[i].position == 9 + 3 * i);
  }
  const LintProblem& last = r.problems.back();
  CHECK(last.code == "TOO_MANY_PROBLEMS");
  CHECK(last.severity == LintSeverity::error);
  CHECK_FALSE(last.position.has_value());
  CHECK_THAT(last.message, Catch::Contains("11 more"));

  // Errors come first (the WebOTP error was found after the locale warning), so warnings are
  // the ones dropped, and then the count is a warning.
  json doc = brand_doc();
  doc["webotp_domain"] = "shop.example";
  std::string mixed = "{{code}}";
  for (int i = 0; i < 15; ++i) mixed += " }}";
  mixed += "\n@shop.example #1";
  for (int i = 0; i < 12; ++i) mixed += " \u2014";
  const LintReport w = lint(mixed, brand_of(doc), "fr");
  // 16 errors; LOCALE_NOT_OFFERED, 10 UCS2_CHARACTER and their count: 28 problems.
  REQUIRE(w.problems.size() == lint_max_problems);
  CHECK(w.problems[14].code == "STRAY_CLOSING_BRACES");
  CHECK(w.problems[15].code == "WEBOTP_LINE_IN_TEMPLATE");
  CHECK(w.problems[15].position == 54);
  CHECK(w.problems[16].code == "LOCALE_NOT_OFFERED");
  CHECK(w.problems[17].code == "UCS2_CHARACTER");
  CHECK(w.problems[19].code == "TOO_MANY_PROBLEMS");
  CHECK(w.problems[19].severity == LintSeverity::warning);
  CHECK_THAT(w.problems[19].message, Catch::Contains("9 more"));
  CHECK_FALSE(w.ok());
}

TEST_CASE("a text without the code is an error about the whole text", "[unit][lint]") {
  const LintReport r = lint("Willkommen bei {{brand}}!");
  CHECK(codes(r) == strings{"MISSING_CODE"});
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_FALSE(r.parsed.has_value());
}

TEST_CASE("a PSD2 brand's text shows the amount and the payee", "[unit][lint]") {
  json doc = brand_doc();
  doc["psd2_dynamic_linking"] = true;
  const Brand psd2 = brand_of(doc);

  LintReport r = lint("{{code}} bestätigt {{amount}}.", psd2);
  CHECK(codes(r) == strings{"PSD2_PAYEE_MISSING"});
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_FALSE(r.ok());
  CHECK(r.parsed.has_value());  // it parses; the brand's policy refuses it

  r = lint("{{code}} für {{payee}}.", psd2);
  CHECK(codes(r) == strings{"PSD2_AMOUNT_MISSING"});
  CHECK(codes(lint("{{code}}", psd2)) == strings{"PSD2_AMOUNT_MISSING", "PSD2_PAYEE_MISSING"});

  r = lint("{{code}}: {{amount}} an {{payee}}.", psd2);
  CHECK(r.ok());
  CHECK(r.sample_sms == "123456: 1.234,56 € an Example Shop.");
  CHECK(lint("{{code}}", plain_brand()).ok());  // not a PSD2 brand
}

TEST_CASE("the locale must be a tag the brand offers", "[unit][lint]") {
  LintReport r = lint("{{code}}", plain_brand(), "de_AT");
  CHECK(codes(r) == strings{"INVALID_LOCALE"});
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_FALSE(r.problems[0].position.has_value());

  r = lint("{{code}}", plain_brand(), "fr");
  CHECK(codes(r) == strings{"LOCALE_NOT_OFFERED"});
  CHECK(r.problems[0].severity == LintSeverity::warning);
  CHECK_THAT(r.problems[0].message, Catch::Contains("de, en"));
  CHECK(r.ok());

  // template_for only picks listed locales: a de-AT text next to de is never sent either.
  r = lint("{{code}}", plain_brand(), "de-AT");
  CHECK(codes(r) == strings{"LOCALE_NOT_OFFERED"});
  CHECK_THAT(r.problems[0].message, Catch::Contains("get the ‘de’ text"));

  CHECK(lint("{{code}}", plain_brand(), "EN").problems.empty());  // tags are case-insensitive
  json doc = brand_doc();
  doc["locales"] = {"de", "de-AT"};
  CHECK(lint("{{code}}", brand_of(doc), "de-AT").problems.empty());
}
