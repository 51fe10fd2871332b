// GSM 03.38 / UCS-2 detection, unit and segment counts, against worked examples.
#include "otpgate/core/sms_encoding.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;

namespace {

SmsAnalysis analyze(const std::string& text) {
  const auto a = analyze_sms(text);
  REQUIRE(a.has_value());
  return *a;
}

std::string times(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("plain texts are GSM-7, one septet per character", "[unit][sms-encoding]") {
  const auto a = analyze("Your Nordwind code is 482913. Valid 5 min.");
  CHECK(a.encoding == SmsEncoding::gsm7);
  CHECK(a.characters == 42);
  CHECK(a.units == 42);
  CHECK(a.segments == 1);
  CHECK(a.ucs2_characters.empty());
  CHECK(analyze("").segments == 1);
  CHECK(analyze("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà").encoding == SmsEncoding::gsm7);
}

TEST_CASE("extension characters are GSM-7 but take two septets", "[unit][sms-encoding]") {
  const auto euro = analyze("49,99 €");
  CHECK(euro.encoding == SmsEncoding::gsm7);
  CHECK(euro.characters == 7);
  CHECK(euro.units == 8);
  CHECK(analyze("^{}\\[~]|").units == 16);
  CHECK(analyze("\f").units == 2);
}

TEST_CASE("ç forces UCS-2, Ç does not", "[unit][sms-encoding]") {
  CHECK(analyze("Ç").encoding == SmsEncoding::gsm7);
  const auto a = analyze("Garçon");
  CHECK(a.encoding == SmsEncoding::ucs2);
  CHECK(a.units == 6);
  REQUIRE(a.ucs2_characters.size() == 1);
  CHECK(a.ucs2_characters[0].character == "ç");
  CHECK(a.ucs2_characters[0].index == 3);
  CHECK(a.ucs2_characters[0].byte_offset == 3);
}

TEST_CASE("every character that forces UCS-2 is named with its position", "[unit][sms-encoding]") {
  const auto a = analyze("Código – `ok` 😀");
  CHECK(a.encoding == SmsEncoding::ucs2);
  REQUIRE(a.ucs2_characters.size() == 5);
  CHECK(a.ucs2_characters[0].character == "ó");
  CHECK(a.ucs2_characters[0].index == 1);
  CHECK(a.ucs2_characters[1].character == "–");
  CHECK(a.ucs2_characters[1].index == 7);
  CHECK(a.ucs2_characters[1].byte_offset == 8);
  CHECK(a.ucs2_characters[2].character == "`");
  CHECK(a.ucs2_characters[3].character == "`");
  CHECK(a.ucs2_characters[4].character == "😀");
  CHECK(a.ucs2_characters[4].index == 14);
}

TEST_CASE("non-BMP characters take two UTF-16 units", "[unit][sms-encoding]") {
  const auto a = analyze("Code 😀");
  CHECK(a.encoding == SmsEncoding::ucs2);
  CHECK(a.characters == 6);
  CHECK(a.units == 7);
  CHECK(analyze("𝄞").units == 2);  // U+1D11E, outside the BMP
}

TEST_CASE("segments: 160/153 septets, 70/67 UCS-2 units", "[unit][sms-encoding]") {
  CHECK(analyze(times("a", 160)).segments == 1);
  CHECK(analyze(times("a", 161)).segments == 2);
  CHECK(analyze(times("a", 306)).segments == 2);
  CHECK(analyze(times("a", 307)).segments == 3);
  CHECK(analyze(times("ж", 70)).segments == 1);
  CHECK(analyze(times("ж", 71)).segments == 2);
  CHECK(analyze(times("ж", 134)).segments == 2);
  CHECK(analyze(times("ж", 135)).segments == 3);
  CHECK(analyze(times("€", 80)).segments == 1);  // 160 septets
  CHECK(analyze(times("€", 81)).segments == 2);
}

TEST_CASE("an escape pair or a surrogate pair is never split across parts",
          "[unit][sms-encoding]") {
  // 306 septets would fit two parts of 153, but the € would straddle them.
  const auto gsm = analyze(times("a", 152) + "€" + times("a", 152));
  CHECK(gsm.units == 306);
  CHECK(gsm.segments == 3);
  // 134 units would fit two parts of 67, but the emoji would straddle them.
  const auto ucs = analyze(times("ж", 66) + "😀" + times("ж", 66));
  CHECK(ucs.units == 134);
  CHECK(ucs.segments == 3);
}

TEST_CASE("invalid UTF-8 is refused", "[unit][sms-encoding]") {
  CHECK_FALSE(analyze_sms("\xC3").has_value());              // truncated
  CHECK_FALSE(analyze_sms("\xC0\xAF").has_value());          // overlong '/'
  CHECK_FALSE(analyze_sms("\xED\xA0\x80").has_value());      // a UTF-16 surrogate
  CHECK_FALSE(analyze_sms("\xF4\x90\x80\x80").has_value());  // beyond U+10FFFF
  CHECK_FALSE(analyze_sms("\xFF").has_value());
  CHECK_FALSE(fits_gsm7("\xC3"));
}
