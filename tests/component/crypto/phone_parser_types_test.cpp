// parse_phone against libphonenumber's own answers: the same numbers accepted and refused, the
// same country and line type as Parse + IsValidNumber + GetRegionCodeForNumber + GetNumberType
// (the calls parse_phone made before it dropped the duplicate validity check). The inputs are
// every region's and non-geographic entity's example numbers of every type, its invalid example,
// and variants of each (other last digits, one digit shorter or longer, every one- and two-digit
// prefix and the region's trunk prefix after the country code): the accepted and refused sides of
// every region's patterns, and the numbers Parse would strip a national prefix from.
#include "otpgate/crypto/phone_parser.hpp"

#include "crypto/number_types.hpp"

#include <catch2/catch.hpp>
#include <phonenumbers/phonenumberutil.h>

#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using i18n::phonenumbers::PhoneNumberUtil;
using otpgate::crypto::LineType;

const PhoneNumberUtil& util() {
  return *PhoneNumberUtil::GetInstance();
}

struct Expected {
  std::string country;
  PhoneNumberUtil::PhoneNumberType type;
};

// libphonenumber's answer for an E.164 string, as parse_phone asked for it before.
std::optional<Expected> reference(const std::string& e164) {
  if (!otpgate::PhoneNumber::parse_e164(e164)) return std::nullopt;  // otpgate's own shape rule
  i18n::phonenumbers::PhoneNumber parsed;
  if (util().Parse(e164, "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  if (!util().IsValidNumber(parsed)) return std::nullopt;
  std::string formatted;
  util().Format(parsed, PhoneNumberUtil::E164, &formatted);
  if (formatted != e164) return std::nullopt;
  Expected e;
  util().GetRegionCodeForNumber(parsed, &e.country);
  e.type = util().GetNumberType(parsed);
  return e;
}

LineType line_type_of(PhoneNumberUtil::PhoneNumberType t) {
  switch (t) {
    case PhoneNumberUtil::MOBILE:
      return LineType::mobile;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return LineType::fixed_line_or_mobile;
    case PhoneNumberUtil::FIXED_LINE:
      return LineType::fixed_line;
    case PhoneNumberUtil::UNKNOWN:
      return LineType::unknown;
    default:
      return LineType::other;
  }
}

void add_with_variants(std::set<std::string>& into, const i18n::phonenumbers::PhoneNumber& n) {
  std::string e164;
  util().Format(n, PhoneNumberUtil::E164, &e164);
  into.insert(e164);
  for (char d : std::string("0159")) into.insert(e164.substr(0, e164.size() - 1) + d);
  into.insert(e164.substr(0, e164.size() - 1));
  into.insert(e164 + "7");
  // Digits in front of the national number: where Parse would strip them as a national prefix
  // ("+49 0151..."), parse_phone, which skips Parse, must still answer as before.
  const std::string cc = "+" + std::to_string(n.country_code());
  const std::string national = e164.substr(cc.size());
  for (char first = '0'; first <= '9'; ++first) {
    into.insert(cc + first + national);
    for (char second = '0'; second <= '9'; ++second) into.insert(cc + first + second + national);
  }
}

std::set<std::string> inputs() {
  static const PhoneNumberUtil::PhoneNumberType types[] = {
      PhoneNumberUtil::FIXED_LINE,      PhoneNumberUtil::MOBILE,      PhoneNumberUtil::TOLL_FREE,
      PhoneNumberUtil::PREMIUM_RATE,    PhoneNumberUtil::SHARED_COST, PhoneNumberUtil::VOIP,
      PhoneNumberUtil::PERSONAL_NUMBER, PhoneNumberUtil::PAGER,       PhoneNumberUtil::UAN,
      PhoneNumberUtil::VOICEMAIL};
  std::set<std::string> out;
  std::set<std::string> regions;
  util().GetSupportedRegions(&regions);
  for (const auto& region : regions) {
    i18n::phonenumbers::PhoneNumber n;
    for (auto type : types)
      if (util().GetExampleNumberForType(region, type, &n)) add_with_variants(out, n);
    if (util().GetInvalidExampleNumber(region, &n)) add_with_variants(out, n);
    std::string trunk;  // the region's own national prefix in front of its examples
    util().GetNddPrefixForRegion(region, true, &trunk);
    if (trunk.empty() || !util().GetExampleNumberForType(region, PhoneNumberUtil::MOBILE, &n))
      continue;
    const std::string cc = "+" + std::to_string(n.country_code());
    std::string e164;
    util().Format(n, PhoneNumberUtil::E164, &e164);
    out.insert(cc + trunk + e164.substr(cc.size()));
  }
  std::set<int> global;
  util().GetSupportedGlobalNetworkCallingCodes(&global);
  for (int cc : global) {
    i18n::phonenumbers::PhoneNumber n;
    if (util().GetExampleNumberForNonGeoEntity(cc, &n)) add_with_variants(out, n);
  }
  return out;
}

}  // namespace

TEST_CASE("phone parser: libphonenumber's validity, country and type for every region",
          "[unit][phone_parser]") {
  const auto all = inputs();
  REQUIRE(all.size() > 100000);  // every region's examples are there
  std::size_t accepted = 0;
  for (const auto& e164 : all) {
    const auto want = reference(e164);
    const auto got = otpgate::crypto::parse_phone(e164);
    INFO(e164);
    REQUIRE(got.has_value() == want.has_value());
    if (!got) continue;
    ++accepted;
    CHECK(got->number.e164() == e164);
    CHECK(got->country == want->country);
    CHECK(got->line_type == line_type_of(want->type));
  }
  CHECK(accepted > 4000);  // both sides of the patterns were exercised
  CHECK(accepted < all.size() / 2 + all.size() / 4);
}

TEST_CASE("phone parser: countries that share a calling code", "[unit][phone_parser]") {
  const auto canada = otpgate::crypto::parse_phone("+16135550123");
  REQUIRE(canada);
  CHECK(canada->country == "CA");
  const auto jersey_mobile = otpgate::crypto::parse_phone("+447797900123");
  REQUIRE(jersey_mobile);
  CHECK(jersey_mobile->country == "JE");
  CHECK(jersey_mobile->line_type == LineType::mobile);
  const auto kazakh_mobile = otpgate::crypto::parse_phone("+77710009998");
  REQUIRE(kazakh_mobile);
  CHECK(kazakh_mobile->country == "KZ");
  const auto international_freephone = otpgate::crypto::parse_phone("+80012345678");
  REQUIRE(international_freephone);
  CHECK(international_freephone->country == "001");
  CHECK(international_freephone->line_type == LineType::other);
}

TEST_CASE("number types: every pattern of libphonenumber's metadata compiles under RE2",
          "[unit][phone_parser]") {
  REQUIRE(otpgate::crypto::phone_metadata().metadata_size() > 200);
  CHECK(otpgate::crypto::patterns_re2_refuses().empty());
}

// region_and_type against GetRegionCodeForNumber and GetNumberType directly, on parsed numbers
// (valid or not): the examples and their variants, and random national numbers of every length
// under every calling code.
TEST_CASE("number types: libphonenumber's region and type for every region and random numbers",
          "[unit][phone_parser]") {
  std::vector<i18n::phonenumbers::PhoneNumber> numbers;
  for (const auto& e164 : inputs()) {
    i18n::phonenumbers::PhoneNumber n;
    if (util().Parse(e164, "ZZ", &n) == PhoneNumberUtil::NO_PARSING_ERROR) numbers.push_back(n);
  }
  std::mt19937_64 random(20261204);
  for (int code = 1; code < 1000; ++code) {
    std::string region;
    util().GetRegionCodeForCountryCode(code, &region);
    if (region == "ZZ") continue;
    for (int length = 2; length <= 15; ++length)
      for (int i = 0; i < 20; ++i) {
        i18n::phonenumbers::PhoneNumber n;
        n.set_country_code(code);
        std::string digits(std::to_string(1 + random() % 9));
        while (static_cast<int>(digits.size()) < length) digits += char('0' + random() % 10);
        n.set_national_number(std::stoull(digits));
        numbers.push_back(n);
      }
  }
  REQUIRE(numbers.size() > 150000);
  std::size_t typed = 0;
  for (const auto& n : numbers) {
    std::string want_region;
    util().GetRegionCodeForNumber(n, &want_region);
    const auto want_type = util().GetNumberType(n);
    const auto got = otpgate::crypto::region_and_type(n);
    INFO("+" << n.country_code() << " " << n.national_number());
    REQUIRE(got.region == want_region);
    REQUIRE(got.type == want_type);
    if (got.type != PhoneNumberUtil::UNKNOWN) ++typed;
  }
  CHECK(typed > 10000);  // both sides of the patterns were exercised
}
