#include "otpgate/core/form_encoding.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;

TEST_CASE("form decoding: '+' is a space, %XX a byte, a broken escape refuses the whole",
          "[unit][form]") {
  const auto fields = form_decode("from=2026-12-01T00%3A00%3A00Z&granularity=hour&x=a+b&&flag");
  REQUIRE(fields.has_value());
  CHECK(*fields ==
        FormFields{
            {"from", "2026-12-01T00:00:00Z"}, {"granularity", "hour"}, {"x", "a b"}, {"flag", ""}});
  CHECK_FALSE(form_decode("a=%4").has_value());
  CHECK_FALSE(form_decode("a=%zz").has_value());
  CHECK_FALSE(form_decode("%=1").has_value());
}

TEST_CASE("form encoding keeps only unreserved characters and decodes back", "[unit][form]") {
  const FormFields in = {{"To", "+49 151/ä"}, {"Body", "Code: 123456 & more~"}};
  const std::string encoded = form_encode(in);
  CHECK(encoded == "To=%2B49%20151%2F%C3%A4&Body=Code%3A%20123456%20%26%20more~");
  CHECK(form_decode(encoded) == in);
}
