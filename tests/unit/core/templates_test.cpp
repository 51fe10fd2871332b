// SMS templates (core/templates.hpp): parse once, render without parsing; locale fallback and
// the BCP 47 shape check.
#include "otpgate/core/templates.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace otpgate;

namespace {

TemplateValues sample_values() {
  return {.code = "482913",
          .brand = "Nordwind",
          .ttl_minutes = "5",
          .amount = "49.99",
          .currency = "EUR",
          .payee = "Nordwind Shop",
          .order_id = "A-1001"};
}

// Parses text that must fail and returns the error sentence.
std::string parse_error(std::string_view text) {
  std::string error;
  const auto t = Template::parse(text, error);
  CHECK_FALSE(t.has_value());
  return error;
}

}  // namespace

TEST_CASE("a template with every variable renders each in place", "[unit][templates]") {
  std::string error;
  const auto t = Template::parse(
      "{{code}} {{brand}} {{ttl_minutes}} {{amount}} {{currency}} {{payee}} {{order_id}}.", error);
  REQUIRE(t.has_value());
  CHECK(error.empty());
  CHECK(t->render(sample_values()) == "482913 Nordwind 5 49.99 EUR Nordwind Shop A-1001.");
  for (auto v :
       {TemplateVar::code, TemplateVar::brand, TemplateVar::ttl_minutes, TemplateVar::amount,
        TemplateVar::currency, TemplateVar::payee, TemplateVar::order_id})
    CHECK(t->uses(v));
}

TEST_CASE("literals, repeats and single braces survive rendering", "[unit][templates]") {
  std::string error;
  const auto t = Template::parse("Code {x}: {{code}}, again {{code}} }", error);
  REQUIRE(t.has_value());
  CHECK(t->render(sample_values()) == "Code {x}: 482913, again 482913 }");
  CHECK(t->uses(TemplateVar::code));
  CHECK_FALSE(t->uses(TemplateVar::brand));

  const auto only = Template::parse("{{code}}", error);
  REQUIRE(only.has_value());
  CHECK(only->render(sample_values()) == "482913");

  // Values are inserted verbatim, never re-parsed as placeholders.
  TemplateValues tricky = sample_values();
  tricky.code = "{{brand}}";
  CHECK(only->render(tricky) == "{{brand}}");
}

TEST_CASE("template syntax errors name the problem", "[unit][templates]") {
  CHECK_THAT(parse_error("Your code: {{code}"), Catch::Contains("unclosed placeholder"));
  CHECK_THAT(parse_error("Your code: {{code}"), Catch::Contains("position 11"));
  // Spaces inside the braces are refused with the way to write it (was: unknown placeholder).
  CHECK_THAT(parse_error("{{code}} {{ code }}"), Catch::Contains("position 9") &&
                                                     Catch::Contains("without spaces") &&
                                                     Catch::Contains("{{code}}"));
  CHECK_THAT(parse_error("{{ code }}"), Catch::Contains("without spaces"));
  CHECK_THAT(parse_error("{{code}} {{foo}}"), Catch::Contains("unknown placeholder {{foo}}"));
  CHECK_THAT(parse_error("{{CODE}}"), Catch::Contains("unknown placeholder {{CODE}}"));
  CHECK_THAT(parse_error("{{brand}} has no code"), Catch::Contains("no {{code}}"));
  CHECK_THAT(parse_error(""), Catch::Contains("no {{code}}"));
}

TEST_CASE("closing braces without an opening are refused", "[unit][templates]") {
  // A stray pair would reach the customer literally (was accepted as text).
  CHECK_THAT(parse_error("{{code}} }}"), Catch::Contains("position 9"));
  CHECK_THAT(parse_error("{{code}} }}"), Catch::Contains("no opening"));
  CHECK_THAT(parse_error("{{code}}}}"), Catch::Contains("position 8"));
}

TEST_CASE("template errors count positions in characters, not bytes", "[unit][templates]") {
  CHECK_THAT(parse_error("Grüß: {{code}"), Catch::Contains("position 6"));
  CHECK_THAT(parse_error("Grüß {{code}} {{foo}}"), Catch::Contains("position 14"));
  CHECK_THAT(parse_error("Grüß {{code}} \xC0\xAF"), Catch::Contains("position 14"));
  CHECK_THAT(parse_error("{{code}} " + std::string(max_template_bytes, 'a')),
             Catch::Contains("too long"));
}

TEST_CASE("scan_template reports every problem, not only the first", "[unit][templates]") {
  const TemplateScan scan = scan_template("{{foo}} {{ brand }} }} {{code");
  std::vector<std::string> codes;
  std::vector<std::size_t> positions;
  for (const auto& e : scan.errors) {
    codes.push_back(e.code);
    positions.push_back(e.position.value_or(999));
  }
  CHECK(codes == std::vector<std::string>{"UNKNOWN_VARIABLE", "MALFORMED_PLACEHOLDER",
                                          "STRAY_CLOSING_BRACES", "MALFORMED_PLACEHOLDER"});
  CHECK(positions == std::vector<std::size_t>{0, 8, 20, 23});
  CHECK_FALSE(scan.parsed.has_value());
  CHECK(scan.names(TemplateVar::brand));  // written with spaces, but named
  CHECK(scan.names(TemplateVar::code));   // "{{code" names it: no MISSING_CODE on top
  CHECK(scan.placeholders.size() == 3);
}

TEST_CASE("template_var_from_name knows exactly the documented names", "[unit][templates]") {
  CHECK(template_var_from_name("order_id") == TemplateVar::order_id);
  CHECK(template_var_from_name("ttl_minutes") == TemplateVar::ttl_minutes);
  CHECK_FALSE(template_var_from_name("ttl").has_value());
  CHECK_FALSE(template_var_from_name("").has_value());
}

TEST_CASE("locale_candidates: requested, its parents, brand default, en", "[unit][templates]") {
  using v = std::vector<std::string>;
  CHECK(locale_candidates("de-AT", "de") == v{"de-AT", "de", "en"});
  CHECK(locale_candidates("fr", "de") == v{"fr", "de", "en"});
  CHECK(locale_candidates("", "en") == v{"en"});
  CHECK(locale_candidates("zh-Hant-TW", "en") == v{"zh-Hant-TW", "zh-Hant", "zh", "en"});
  CHECK(locale_candidates("en-GB", "de") == v{"en-GB", "en", "de"});
  CHECK(locale_candidates("", "") == v{"en"});
}

TEST_CASE("is_bcp47 checks the tag's shape", "[unit][templates]") {
  for (const char* good : {"de", "en", "gsw", "de-AT", "zh-Hant-TW", "es-419", "de-CH-1996"}) {
    CAPTURE(good);
    CHECK(is_bcp47(good));
  }
  for (const char* bad :
       {"", "d", "deut", "de-", "-de", "de--AT", "de_AT", "d1", "12", "de-toolongsub", "de-A!",
        "de AT", "de-aaaaaaaa-bbbbbbbb-cccccccc-ddddddd"}) {  // 37 characters
    CAPTURE(bad);
    CHECK_FALSE(is_bcp47(bad));
  }
}
