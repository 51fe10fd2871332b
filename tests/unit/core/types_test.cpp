// Strong types (core/types.hpp): what each parse accepts and refuses, and phone masking.
#include "otpgate/core/types.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using otpgate::BrandId;
using otpgate::PhoneNumber;
using otpgate::Purpose;
using otpgate::purpose_from_string;
using otpgate::VerificationId;

TEST_CASE("PhoneNumber::parse_e164 accepts only + and 8 to 15 digits", "[unit][types]") {
  const auto ok = PhoneNumber::parse_e164("+4915112345678");
  REQUIRE(ok.has_value());
  CHECK(ok->e164() == "+4915112345678");
  CHECK(PhoneNumber::parse_e164("+12345678").has_value());         // 8 digits
  CHECK(PhoneNumber::parse_e164("+123456789012345").has_value());  // 15 digits

  const char* bad = GENERATE("4915112345678", "+04915112345678", "+49 15112345678",
                             "+49151-12345678", "+49151abc45678", "+4915112345678x",
                             "+1234567890123456",  // 16 digits, 17 characters
                             "+1234567",           // 7 digits
                             "+", "", "++4915112345678", "+4915112345678\n");
  CAPTURE(bad);
  CHECK_FALSE(PhoneNumber::parse_e164(bad).has_value());
}

TEST_CASE("PhoneNumber::masked keeps the country code, leading and last 3 digits",
          "[unit][types]") {
  CHECK(PhoneNumber::parse_e164("+4915112345678")->masked() == "+49151*****678");
  CHECK(PhoneNumber::parse_e164("+491701234567")->masked() == "+49170****567");

  // Every length: same length, last 3 kept, at least 3 digits masked, never the number itself.
  const std::string digits = "491511234567890";
  for (std::size_t n = 8; n <= 15; ++n) {
    const std::string e164 = "+" + digits.substr(0, n);
    CAPTURE(e164);
    const auto phone = PhoneNumber::parse_e164(e164);
    REQUIRE(phone.has_value());
    const std::string m = phone->masked();
    CAPTURE(m);
    CHECK(m.size() == e164.size());
    CHECK(m.front() == '+');
    CHECK(m.substr(m.size() - 3) == e164.substr(e164.size() - 3));
    const auto stars = static_cast<std::size_t>(std::count(m.begin(), m.end(), '*'));
    CHECK(stars >= 3);
    CHECK(m.find(e164.substr(1)) == std::string::npos);
    // The kept head is a prefix of the number; everything between head and tail is masked.
    const std::size_t head = m.find('*');
    REQUIRE(head != std::string::npos);
    CHECK(m.substr(0, head) == e164.substr(0, head));
    CHECK(head + stars + 3 == m.size());
  }
}

TEST_CASE("BrandId::parse: lower-case [a-z0-9-], 2 to 32, no dash at either end", "[unit][types]") {
  for (const char* good :
       {"nordwind", "sky-link", "b2", "a1-b2-c3", "abcdefghijklmnopqrstuvwxyz012345"}) {
    CAPTURE(good);
    const auto b = BrandId::parse(good);
    REQUIRE(b.has_value());
    CHECK(b->str() == good);
  }
  for (const char* bad : {"", "a", "Nordwind", "nord_wind", "nord wind", "-nordwind", "nordwind-",
                          "abcdefghijklmnopqrstuvwxyz0123456", "nordwind/..", "*"}) {
    CAPTURE(bad);
    CHECK_FALSE(BrandId::parse(bad).has_value());
  }
}

TEST_CASE("VerificationId::parse accepts made ids and refuses malformed ones", "[unit][types]") {
  const std::string tag = "abcdefghij";
  const std::string random = "klmnopqrstuvwxyz234567abcd";  // 26 base32 characters
  const VerificationId made = VerificationId::make(tag, random);
  CHECK(made.str() == "vf_" + tag + random);
  CHECK(made.tag() == tag);
  const auto parsed = VerificationId::parse(made.str());
  REQUIRE(parsed.has_value());
  CHECK(*parsed == made);

  CHECK(made.purpose() == Purpose::checkout);
  const VerificationId call = VerificationId::make(tag, random, Purpose::support_call);
  CHECK(call.str() == "sc_" + tag + random);
  CHECK(call.tag() == tag);
  CHECK(call.purpose() == Purpose::support_call);
  REQUIRE(VerificationId::parse(call.str()).has_value());
  CHECK(VerificationId::parse(call.str())->purpose() == Purpose::support_call);
  CHECK(otpgate::to_string(Purpose::support_call) == "support_call");
  CHECK(purpose_from_string("checkout") == Purpose::checkout);
  CHECK_FALSE(purpose_from_string("Support_Call").has_value());

  const std::string bad =
      GENERATE_COPY(std::string("vx_") + tag + random,           // wrong prefix
                    std::string("SC_") + tag + random,           // upper-case prefix
                    std::string("VF_") + tag + random,           // upper-case prefix
                    "vf_" + tag + random.substr(1),              // one short
                    "vf_" + tag + random + "a",                  // one long
                    "vf_" + tag + "KLMNOPQRSTUVWXYZ234567ABCD",  // upper case
                    "vf_" + tag + "klmnopqrstuvwxyz234567abc1",  // 1 is not base32
                    "vf_" + tag + "klmnopqrstuvwxyz234567abc8",  // 8 is not base32
                    "vf_abcdefghi-" + random,                    // dash in the tag
                    std::string(""));
  CAPTURE(bad);
  CHECK_FALSE(VerificationId::parse(bad).has_value());
}

TEST_CASE("a default PhoneNumber and VerificationId are empty, and parsing never gives that",
          "[unit][types]") {
  const PhoneNumber none;
  CHECK(none.empty());
  CHECK(none.e164().empty());
  CHECK(none.masked().empty());
  CHECK_FALSE(PhoneNumber::parse_e164("").has_value());
  CHECK_FALSE(PhoneNumber::parse_e164("+4915112345678")->empty());
  const VerificationId no_id;
  CHECK(no_id.empty());
  CHECK(no_id.str().empty());
  CHECK(no_id.tag().empty());
  CHECK(no_id.purpose() == Purpose::checkout);
  CHECK_FALSE(VerificationId::parse("").has_value());
  CHECK_FALSE(VerificationId::make("abcdefghij", "klmnopqrstuvwxyz234567abcd").empty());
}
