// The template lint (core/template_lint.hpp) on the SMS as sent: characters forcing UCS-2, the
// segment cap, Android's and WebOTP's autofill rules, control and direction characters,
// severities, and what Template::parse refuses.
#include "template_lint_fixture.hpp"

using namespace otpgate;
using namespace otpgate::lint_test;

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
