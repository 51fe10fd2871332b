// Which line types receive codes: libphonenumber's type for real numbers, and the rule.
#include "otpgate/crypto/phone_parser.hpp"

#include <catch2/catch.hpp>

using namespace otpgate::crypto;

TEST_CASE("line types: only mobiles receive codes", "[unit][line_type]") {
  CHECK(receives_codes(LineType::mobile));
  CHECK(receives_codes(LineType::fixed_line_or_mobile));
  CHECK_FALSE(receives_codes(LineType::fixed_line));
  CHECK_FALSE(receives_codes(LineType::other));
  CHECK_FALSE(receives_codes(LineType::unknown));
}

TEST_CASE("line types of real numbers", "[unit][line_type]") {
  const auto berlin = parse_phone("+493012345678");
  REQUIRE(berlin);
  CHECK(berlin->country == "DE");
  CHECK(berlin->line_type == LineType::fixed_line);
  const auto vienna = parse_phone("+4315123456");
  REQUIRE(vienna);
  CHECK(vienna->country == "AT");
  CHECK(vienna->line_type == LineType::fixed_line);
  const auto toll_free = parse_phone("+498001234567");
  REQUIRE(toll_free);
  CHECK(toll_free->line_type == LineType::other);
  const auto german_mobile = parse_phone("+4915112345678");
  REQUIRE(german_mobile);
  CHECK(german_mobile->line_type == LineType::mobile);
  const auto austrian_mobile = parse_phone("+436641234567");
  REQUIRE(austrian_mobile);
  CHECK(austrian_mobile->country == "AT");
  CHECK(austrian_mobile->line_type == LineType::mobile);
  const auto us = parse_phone("+12015550123");  // the US plan does not tell the two apart
  REQUIRE(us);
  CHECK(us->line_type == LineType::fixed_line_or_mobile);
  CHECK(receives_codes(us->line_type));
}
