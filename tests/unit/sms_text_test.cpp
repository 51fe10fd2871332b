// Amount formatting per locale, the WebOTP line and Android's SMS Retriever rules.
#include "otpgate/core/sms_text.hpp"

#include <catch2/catch.hpp>

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

TEST_CASE("Android's SMS Retriever: 140 bytes and the app hash", "[unit][sms-text]") {
  const std::string hash = "FA+9qCX9VSu";
  CHECK(fits_android_retriever("Your code is 482913.\n" + hash, hash));
  CHECK_FALSE(fits_android_retriever("Your code is 482913.", hash));
  CHECK_FALSE(fits_android_retriever(std::string(130, 'a') + "\n" + hash, hash));  // 142 bytes
  CHECK(fits_android_retriever(std::string(128, 'a') + "\n" + hash, hash));        // 140 bytes
  CHECK_FALSE(fits_android_retriever("x " + hash, "short"));
}
