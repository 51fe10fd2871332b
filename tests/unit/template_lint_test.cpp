// The template lint (core/template_lint.hpp): every problem code with its position (code points)
// and severity, the sample values, the caps, and the demo templates passing.
#include "otpgate/core/template_lint.hpp"

#include <nlohmann/json.hpp>

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace otpgate;
using json = nlohmann::json;

namespace {

json brand_doc() {
  return {{"display_name", "Acme"}, {"sender_id", "Acme"},         {"locales", {"de", "en"}},
          {"default_locale", "de"}, {"allowed_countries", {"DE"}}, {"gateways", {"file"}}};
}

Brand brand_of(const json& doc) {
  return brand_from_json(*BrandId::parse("acme"), doc);
}

Brand plain_brand() {
  return brand_of(brand_doc());
}

LintReport lint(std::string_view text, const Brand& brand, std::string_view locale = "de") {
  return lint_template(text, locale, brand, sample_values(brand, locale));
}

LintReport lint(std::string_view text) {
  return lint(text, plain_brand());
}

std::vector<std::string> codes(const LintReport& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) out.push_back(p.code);
  return out;
}

// The one problem with this code (fails the test unless there is exactly one).
LintProblem only(const LintReport& r, const std::string& code) {
  std::vector<LintProblem> found;
  for (const auto& p : r.problems)
    if (p.code == code) found.push_back(p);
  std::string listed;
  for (const auto& c : codes(r)) listed += c + " ";
  INFO("problems: " << listed);
  REQUIRE(found.size() == 1);
  return found.front();
}

// A repository text file as config.cpp reads a template: one trailing newline dropped.
std::string read_template(const std::string& relative) {
  std::ifstream in(std::string(OTPGATE_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

using strings = std::vector<std::string>;

}  // namespace

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

TEST_CASE("characters forcing UCS-2 are warned about at their position", "[unit][lint]") {
  // ü is in the GSM alphabet and takes two bytes; the dash at code point 5 is not.
  LintReport r = lint("Tür ü\u2014{{code}}");
  CHECK(codes(r) == strings{"UCS2_CHARACTER"});
  CHECK(r.problems[0].position == 5);
  CHECK(r.problems[0].severity == LintSeverity::warning);
  CHECK_THAT(r.problems[0].message, Catch::Contains("‘\u2014’ is not in the GSM alphabet"));
  CHECK(r.ok());
  REQUIRE(r.analysis.has_value());
  CHECK(r.analysis->encoding == SmsEncoding::ucs2);

  // € is in GSM's extension table: no warning.
  CHECK(lint("Preis in €: {{code}}").problems.empty());

  // An invisible no-break space is named by its code point.
  r = lint("Code:\u00A0{{code}}");
  CHECK_THAT(only(r, "UCS2_CHARACTER").message, Catch::Contains("U+00A0"));
  CHECK(only(r, "UCS2_CHARACTER").position == 5);

  // A value bringing one in (the brand name) gets no position.
  json doc = brand_doc();
  doc["display_name"] = "Łódka";
  r = lint("{{brand}}: {{code}}", brand_of(doc));
  CHECK(codes(r) == strings{"UCS2_CHARACTER", "UCS2_CHARACTER"});  // Ł and ó
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK_THAT(r.problems[0].message, Catch::Contains("‘Ł’ in the sample values"));
}

TEST_CASE("at most 10 UCS-2 characters are listed, then how many more", "[unit][lint]") {
  std::string text = "{{code}}";
  for (int i = 0; i < 13; ++i) text += "\u2019";  // the typographic apostrophe
  const LintReport r = lint(text);
  REQUIRE(r.problems.size() == 11);  // 10 listed and their count
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(r.problems[i].code == "UCS2_CHARACTER");
    CHECK(r.problems[i].position == 8 + i);
  }
  CHECK(r.problems[10].code == "UCS2_CHARACTER");
  CHECK_FALSE(r.problems[10].position.has_value());
  CHECK_THAT(r.problems[10].message, Catch::Contains("3 more"));
}

TEST_CASE("the brand's segment cap refuses a text that grows a second part", "[unit][lint]") {
  json doc = brand_doc();
  doc["max_segments"] = 1;
  const Brand capped = brand_of(doc);
  // The sample code has 6 characters: 6 + 1 + 153 = 160 septets, one SMS.
  const std::string fits = "{{code}} " + std::string(153, 'a');
  LintReport r = lint(fits, capped);
  CHECK(r.ok());
  CHECK(r.problems.empty());
  REQUIRE(r.analysis.has_value());
  CHECK(r.analysis->segments == 1);

  // One € (two septets in GSM-7's extension table) makes 161: two parts.
  const std::string euro = "{{code}} €" + std::string(152, 'a');
  r = lint(euro, capped);
  CHECK(codes(r) == strings{"TOO_MANY_SEGMENTS"});
  const LintProblem& p = r.problems[0];
  CHECK(p.severity == LintSeverity::error);
  CHECK_FALSE(p.position.has_value());
  CHECK_THAT(p.message, Catch::Contains("2 parts") && Catch::Contains("GSM-7") &&
                            Catch::Contains("at most 1"));

  // 78 characters: one part in GSM-7, two once a dash forces UCS-2 (70 per part).
  const std::string ascii = "{{code}} " + std::string(71, 'a');
  CHECK(lint(ascii, capped).ok());
  r = lint("{{code}} \u2014" + std::string(70, 'a'), capped);
  CHECK(codes(r) == strings{"TOO_MANY_SEGMENTS", "UCS2_CHARACTER"});
  CHECK_THAT(r.problems[0].message, Catch::Contains("UCS-2"));

  doc["max_segments"] = 2;
  CHECK(lint(euro, brand_of(doc)).problems.empty());

  // Without a cap, more than one part is a warning.
  r = lint(euro);
  CHECK(codes(r) == strings{"MULTIPLE_SEGMENTS"});
  CHECK(r.problems[0].severity == LintSeverity::warning);
  CHECK(r.ok());
}

TEST_CASE("Android's retriever needs the SMS to fit one SMS as encoded", "[unit][lint]") {
  json doc = brand_doc();
  doc["android_app_hash"] = "FA+9qCX9VSu";
  const Brand app = brand_of(doc);
  // GSM-7 counts septets: 6 + 1 + 141 + "\n" + 11 = 160 characters, 140 bytes on the air.
  LintReport r = lint("{{code}} " + std::string(141, 'a'), app);
  CHECK(r.ok());
  CHECK(r.problems.empty());
  CHECK(r.sample_sms.substr(r.sample_sms.size() - 12) == "\nFA+9qCX9VSu");
  REQUIRE(r.analysis.has_value());
  CHECK(r.analysis->units == 160);

  // 155 GSM characters, two of them ü (two UTF-8 bytes, one septet): 155 * 7 / 8 = 135.6, so
  // 136 bytes on the air, although the UTF-8 takes 157.
  r = lint("{{code}} " + std::string(134, 'a') + "\u00fc\u00fc", app);
  CHECK(r.sample_sms.size() == 157);
  REQUIRE(r.analysis.has_value());
  CHECK(r.analysis->units == 155);
  CHECK(r.ok());
  CHECK(r.problems.empty());
  r = lint("{{code}} " + std::string(136, 'a'), app);  // 155 characters, 136 bytes
  CHECK(r.sample_sms.size() == 155);
  CHECK(r.ok());

  // 161: one too many (and a second part); € counts two septets.
  r = lint("{{code}} \u20ac" + std::string(140, 'a'), app);
  CHECK(codes(r) == strings{"ANDROID_TOO_LONG", "MULTIPLE_SEGMENTS"});
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK_THAT(r.problems[0].message,
             Catch::Contains("161 GSM characters") && Catch::Contains("count as two") &&
                 Catch::Contains("160 GSM characters, or 70 when it contains characters outside "
                                 "the GSM alphabet"));

  // One dash forces UCS-2: 101 characters are 202 bytes, although the UTF-8 takes 103.
  r = lint("{{code}} \u2014" + std::string(81, 'a'), app);
  CHECK(r.sample_sms.size() == 103);
  REQUIRE(r.analysis.has_value());
  CHECK(r.analysis->characters == 101);
  CHECK(codes(r) == strings{"ANDROID_TOO_LONG", "MULTIPLE_SEGMENTS", "UCS2_CHARACTER"});
  CHECK_THAT(r.problems[0].message,
             Catch::Contains("101 characters") &&
                 Catch::Contains("contains characters outside the GSM alphabet"));
  CHECK(lint("{{code}} \u2014" + std::string(50, 'a'), app).ok());  // 70 characters

  CHECK(lint("{{code}} \u2014" + std::string(81, 'a')).ok());  // no app hash: no limit
}

TEST_CASE("the template must not carry its own WebOTP line", "[unit][lint]") {
  json doc = brand_doc();
  doc["webotp_domain"] = "shop.example";
  const Brand web = brand_of(doc);

  LintReport r = lint("Grüße {{code}}\n@shop.example #{{code}}", web);
  CHECK(codes(r) == strings{"WEBOTP_LINE_IN_TEMPLATE"});
  CHECK(r.problems[0].position == 15);
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_THAT(r.problems[0].message, Catch::Contains("Remove ‘@shop.example #’") &&
                                        Catch::Contains("‘@shop.example #<code>’"));

  CHECK(codes(lint("@other.example #1 {{code}}", web)) == strings{"WEBOTP_LINE_IN_TEMPLATE"});
  CHECK(lint("@ home #1 {{code}}", web).ok());             // no host
  CHECK(lint("info@shop.example #1 {{code}}", web).ok());  // not after a space: an address
  CHECK(lint("@shop.example#1 {{code}}", web).ok());       // no space before the #
  r = lint("Ihr Code {{code}}", web);
  CHECK(r.ok());
  CHECK(r.sample_sms == "Ihr Code 123456\n@shop.example #123456");

  // Chrome reads the first "@host #code" after any whitespace, anywhere in the message, so one
  // inside a line would win over the line otpgate appends.
  r = lint("Code {{code}} @evil.example #{{code}}", web);
  CHECK(codes(r) == strings{"WEBOTP_LINE_IN_TEMPLATE"});
  CHECK(r.problems[0].position == 14);
  CHECK(codes(lint("{{code}}\n  @evil.example #{{code}}", web)) ==
        strings{"WEBOTP_LINE_IN_TEMPLATE"});
}

TEST_CASE("only the brand file gives the WebOTP origin, even a brand without one", "[unit][lint]") {
  // Without a webotp_domain otpgate writes no origin-bound line, and a template's own would have
  // browsers offer the code on the site it names.
  LintReport r = lint("Grüße {{code}}\n@evil.example #{{code}}");
  CHECK(codes(r) == strings{"WEBOTP_LINE_IN_TEMPLATE"});
  CHECK(r.problems[0].position == 15);
  CHECK(r.problems[0].severity == LintSeverity::error);
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.problems[0].message,
             Catch::Contains("Remove ‘@evil.example #’") &&
                 Catch::Contains("this brand has none, so none may be written"));

  r = lint("Ihr Code: {{code}} @evil.example #{{code}} @psp.example");
  CHECK(codes(r) == strings{"WEBOTP_LINE_IN_TEMPLATE"});
  CHECK(r.problems[0].position == 19);

  // Two of them: two errors, each at its @.
  r = lint("@a.example #1\n@b.example #{{code}}");
  CHECK(codes(r) == strings{"WEBOTP_LINE_IN_TEMPLATE", "WEBOTP_LINE_IN_TEMPLATE"});
  CHECK(r.problems[0].position == 0);
  CHECK(r.problems[1].position == 14);

  CHECK(lint("Mail an info@acme.example #{{code}}").ok());  // an address, not an origin
}

TEST_CASE("control and direction characters are errors at their position", "[unit][lint]") {
  struct Case {
    std::string text;
    std::size_t position;
    std::string named;
  };
  const Case cases[] = {
      {std::string("Code\0{{code}}", 13), 4, "U+0000 (null)"},
      {"Code \x1B[31m{{code}}", 5, "U+001B (escape)"},
      {"Code:\t{{code}}", 5, "U+0009 (tab)"},
      {"Code:\f{{code}}", 5, "U+000C (form feed)"},  // in GSM's extension table, still an error
      {"Grüße\x01 {{code}}", 5, "U+0001"},
      {"Code\x7F {{code}}", 4, "U+007F (delete)"},
      {"Tür\u0085 {{code}}", 3, "U+0085"},  // C1: next line
      {"Tür \u009B{{code}}", 4, "U+009B"},
      {"Code \u202E{{code}}", 5, "U+202E (right-to-left override)"},
      {"Code \u202A{{code}}", 5, "U+202A (left-to-right embedding)"},
      {"Code \u2066{{code}}\u2069", 5, "U+2066 (left-to-right isolate)"},
      {"Code \u200F{{code}}", 5, "U+200F (right-to-left mark)"},
      {"Code \u200E{{code}}", 5, "U+200E (left-to-right mark)"},
      {"Code \u061C{{code}}", 5, "U+061C (Arabic letter mark)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const LintReport r = lint(c.text);
    // One problem per character: no UCS2_CHARACTER on top.
    const LintProblem p = r.problems.at(0);
    CHECK(p.code == "CONTROL_CHARACTER");
    CHECK(p.severity == LintSeverity::error);
    CHECK(p.position == c.position);
    CHECK_THAT(p.message, Catch::Contains(c.named));
    CHECK_FALSE(r.ok());
    for (const auto& q : r.problems) CHECK(q.code == "CONTROL_CHARACTER");
  }
  CHECK_THAT(only(lint("Code \x1B{{code}}"), "CONTROL_CHARACTER").message,
             Catch::Contains("corrupt the SMS"));
  CHECK_THAT(only(lint("Code \u202E{{code}}"), "CONTROL_CHARACTER").message,
             Catch::Contains("hide or reorder the text"));
  CHECK(codes(lint("Code \u2066{{code}}\u2069")) ==
        strings{"CONTROL_CHARACTER", "CONTROL_CHARACTER"});

  // Line breaks stay allowed (LF and CR); so do the GSM characters and other invisible ones,
  // which keep their UCS-2 warning.
  CHECK(lint("Ihr Code:\r\n{{code}}\n").problems.empty());
  CHECK(codes(lint("Code:\u00A0{{code}}")) == strings{"UCS2_CHARACTER"});
  CHECK(codes(lint("Code:\u200B{{code}}")) == strings{"UCS2_CHARACTER"});  // zero-width space

  // Next to another character forcing UCS-2: the dash is warned about, the escape refused.
  const LintReport r = lint("{{code}} \u2014\x1B");
  CHECK(codes(r) == strings{"CONTROL_CHARACTER", "UCS2_CHARACTER"});
  CHECK(r.problems[0].position == 10);
  CHECK(r.problems[1].position == 9);
}

TEST_CASE("the SMS must end with the WebOTP line", "[unit][lint]") {
  json doc = brand_doc();
  doc["webotp_domain"] = "shop.example";
  doc["webotp_embedded_domain"] = "psp.example";
  const Brand web = brand_of(doc);
  LintReport r = lint("{{code}}", web);
  CHECK(r.ok());
  CHECK(r.sample_sms == "123456\n@shop.example #123456 @psp.example");

  // A code breaking the line (a caller's sample) leaves something else last.
  TemplateValues broken = sample_values(web, "de");
  broken.code = "12\n34";
  r = lint_template("{{code}}", "de", web, broken);
  CHECK(codes(r) == strings{"WEBOTP_LINE_INVALID"});
  CHECK_FALSE(r.problems[0].position.has_value());
  CHECK_FALSE(r.ok());
}

TEST_CASE("severities print as error and warning", "[unit][lint]") {
  CHECK(to_string(LintSeverity::error) == "error");
  CHECK(to_string(LintSeverity::warning) == "warning");
}

TEST_CASE("Template::parse refuses exactly what the lint calls a syntax error", "[unit][lint]") {
  for (const char* text : {"{{code}}", "a {x} {{code}} }", "{{ code }}", "{{code}", "}} {{code}}",
                           "{{foo}} {{code}}", "{{brand}}", "", "\xC0\xAF{{code}}"}) {
    CAPTURE(text);
    std::string error;
    const bool parsed = Template::parse(text, error).has_value();
    const LintReport r = lint(text);
    CHECK(parsed == r.parsed.has_value());
    CHECK(parsed == r.ok());
    if (!parsed) CHECK_THAT(error, Catch::Contains(r.problems.front().message));
  }
}

TEST_CASE("a support_call text: no PSD2 rule, no autofill lines, the rest as for checkout",
          "[unit][lint][support_call]") {
  json doc = brand_doc();
  doc["psd2_dynamic_linking"] = true;
  doc["webotp_domain"] = "shop.example";
  doc["android_app_hash"] = "FA+9qCX9VSu";
  const Brand b = brand_of(doc);
  const auto lint_call = [&](std::string_view text) {
    return lint_template(text, "de", b, sample_values(b, "de"), Purpose::support_call);
  };
  LintReport r = lint_call("Ihr Identitätscode: {{code}}");
  CHECK(r.ok());
  CHECK(r.problems.empty());
  CHECK(r.sample_sms == "Ihr Identitätscode: 123456");  // read aloud: nothing appended
  // The same text as a checkout text of this brand needs amount and payee and gets the lines.
  const LintReport checkout = lint("Ihr Code: {{code}} {{amount}} {{payee}}", b);
  CHECK(checkout.sample_sms.find("@shop.example #123456") != std::string::npos);
  // Everything else still applies.
  CHECK(codes(lint_call("Rufen Sie uns an.")) == strings{"MISSING_CODE"});
  CHECK(codes(lint_call("{{code}} @evil.example #{{code}}")).size() >= 1);
}
