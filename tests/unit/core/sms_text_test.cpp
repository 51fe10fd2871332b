// Amount formatting per locale, the WebOTP line and Android's SMS Retriever rules.
#include "otpgate/core/sms_text.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace otpgate;

TEST_CASE("amounts are written as the reader's locale expects", "[unit][sms-text]") {
  CHECK(format_amount("49.99", "EUR", "de") == "49,99 €");
  CHECK(format_amount("49.99", "EUR", "de-AT") == "49,99 €");
  CHECK(format_amount("49.99", "EUR", "en") == "€49.99");
  CHECK(format_amount("49.99", "EUR", "en-GB") == "€49.99");
  CHECK(format_amount("1234.5", "EUR", "de") == "1.234,50 €");
  CHECK(format_amount("1234567", "USD", "en") == "$1,234,567.00");
  CHECK(format_amount("100", "GBP", "de") == "100,00 £");
  CHECK(format_amount("49.9", "CHF", "de") == "49,90 CHF");
  CHECK(format_amount("49.9", "CHF", "en") == "CHF 49.90");
  CHECK(format_amount("1500", "JPY", "en") == "¥1,500");
  CHECK(format_amount("0.5", "EUR", "de") == "0,50 €");
  CHECK(format_amount("007.10", "EUR", "en") == "€7.10");
  CHECK(format_amount("12.3", "", "de") == "12,30");
  CHECK(format_amount("12.3", "EUR", "dex") == "€12.30");  // not German: English style
}

TEST_CASE("the WebOTP line follows the origin-bound one-time code format", "[unit][sms-text]") {
  CHECK(webotp_line("shop.example", "482913") == "@shop.example #482913");
  CHECK(webotp_line("shop.example", "K7Q2M9X4", "psp.example") ==
        "@shop.example #K7Q2M9X4 @psp.example");
}

TEST_CASE("the composed SMS ends with the WebOTP line", "[unit][sms-text]") {
  CHECK(compose_sms("Your code is 482913.", "482913", "shop.example", "", "") ==
        "Your code is 482913.\n@shop.example #482913");
  CHECK(compose_sms("Your code is 482913.", "482913", "shop.example", "", "FA+9qCX9VSu") ==
        "Your code is 482913.\nFA+9qCX9VSu\n@shop.example #482913");
  CHECK(compose_sms("Code 482913", "482913", "", "", "") == "Code 482913");
}

TEST_CASE("an SMS payload counts the bytes of its encoding on the air", "[unit][sms-text]") {
  CHECK(sms_payload_bytes("") == 0u);
  CHECK(sms_payload_bytes("a") == 1u);                      // 7 bits take a byte
  CHECK(sms_payload_bytes(std::string(8, 'a')) == 7u);      // 8 septets pack into 7 bytes
  CHECK(sms_payload_bytes(std::string(160, 'a')) == 140u);  // one SMS
  CHECK(sms_payload_bytes(std::string(161, 'a')) == 141u);
  CHECK(sms_payload_bytes("\u00fc") == 1u);              // ü: 2 UTF-8 bytes, one GSM septet
  CHECK(sms_payload_bytes("\u20ac") == 2u);              // €: extension table, two septets
  CHECK(sms_payload_bytes("a\u2014") == 4u);             // the dash forces UCS-2: 2 units
  CHECK(sms_payload_bytes("\U0001F510") == 4u);          // beyond U+FFFF: a surrogate pair
  CHECK(sms_payload_bytes("\xC0\xAF") == std::nullopt);  // overlong: invalid UTF-8
}

TEST_CASE("Android's SMS Retriever: one SMS (140 bytes on the air) and the app hash",
          "[unit][sms-text]") {
  const std::string hash = "FA+9qCX9VSu";
  CHECK(fits_android_retriever("Your code is 482913.\n" + hash, hash));
  CHECK_FALSE(fits_android_retriever("Your code is 482913.", hash));
  CHECK_FALSE(fits_android_retriever("x " + hash, "short"));

  // GSM-7: 160 septets are 140 bytes. 148 + "\n" + 11 = 160 fits, 161 does not.
  CHECK(fits_android_retriever(std::string(148, 'a') + "\n" + hash, hash));
  CHECK_FALSE(fits_android_retriever(std::string(149, 'a') + "\n" + hash, hash));

  // 155 GSM characters (143 + "\n" + 11) are 155 * 7 / 8 = 135.6, so 136 bytes: they fit
  // although their UTF-8 takes 155 bytes, and so do ü (two UTF-8 bytes, one septet).
  const std::string gsm = std::string(143, 'a') + "\n" + hash;
  REQUIRE(gsm.size() == 155);
  REQUIRE(sms_payload_bytes(gsm) == 136u);
  CHECK(fits_android_retriever(gsm, hash));
  std::string umlauts;
  for (int i = 0; i < 148; ++i) umlauts += "\u00fc";
  CHECK(fits_android_retriever(umlauts + "\n" + hash, hash));  // 308 UTF-8 bytes, 160 septets

  // An extension character takes two septets: € plus 146 + "\n" + 11 is 160, with 147 161.
  CHECK(fits_android_retriever("\u20ac" + std::string(146, 'a') + "\n" + hash, hash));
  CHECK_FALSE(fits_android_retriever("\u20ac" + std::string(147, 'a') + "\n" + hash, hash));

  // One dash forces UCS-2: 101 characters are 202 bytes, although the UTF-8 is 103.
  const std::string dash = "\u2014" + std::string(88, 'a') + "\n" + hash;
  REQUIRE(dash.size() == 103);
  REQUIRE(sms_payload_bytes(dash) == 202u);
  CHECK_FALSE(fits_android_retriever(dash, hash));
  // 70 UCS-2 units fit, 71 do not; a character beyond U+FFFF counts two.
  CHECK(fits_android_retriever("\u2014" + std::string(57, 'a') + "\n" + hash, hash));
  CHECK_FALSE(fits_android_retriever("\u2014" + std::string(58, 'a') + "\n" + hash, hash));
  CHECK_FALSE(fits_android_retriever("\U0001F510" + std::string(57, 'a') + "\n" + hash, hash));

  CHECK_FALSE(fits_android_retriever("\xC0\xAF\n" + hash, hash));  // invalid UTF-8
}
