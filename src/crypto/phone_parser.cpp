#include "otpgate/crypto/phone_parser.hpp"

#include "number_types.hpp"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <string>
#include <unordered_map>

namespace otpgate::crypto {

using i18n::phonenumbers::PhoneNumberUtil;

namespace {

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

// What Parse may strip from a country's national numbers as a national prefix: its metadata's
// national_prefix_for_parsing, a regular expression (for Mexico "0(?:[12]|4[45])|1"), though for
// most countries none or a plain digit string ("0" for Germany).
struct TrunkPrefix {
  bool pattern = false;  // a regular expression: only Parse can tell what it strips
  std::string digits;    // else the plain prefix, empty for none
};

// By country calling code, from the metadata of the region Parse uses for it (its main region, or
// the non-geographic entity). A code missing here is treated as a pattern.
const std::unordered_map<int, TrunkPrefix>& trunk_prefixes() {
  static const auto table = [] {
    std::unordered_map<int, TrunkPrefix> out;
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    for (const auto& region : phone_metadata().metadata()) {
      std::string main;
      util.GetRegionCodeForCountryCode(region.country_code(), &main);
      if (main != region.id()) continue;
      const std::string& prefix = region.national_prefix_for_parsing();
      const bool plain = prefix.find_first_not_of("0123456789") == std::string::npos;
      out[region.country_code()] = plain ? TrunkPrefix{false, prefix} : TrunkPrefix{true, {}};
    }
    return out;
  }();
  return table;
}

// The number as libphonenumber's Parse(e164, "ZZ") builds it from a strict E.164 string, without
// its regular expressions (which were most of a create's phone parsing): the country calling code
// is the shortest prefix of one to three digits that is a known code (ExtractCountryCode's rule),
// the rest is the national significant number, with its leading zeros recorded as Parse records
// them (SetItalianLeadingZerosForPhoneNumber). For "+" and digits, the other steps of Parse
// (possible-number extraction, viability, extension, normalisation) change nothing; the national
// prefix strip changes nothing where the country has no prefix or the number does not start with
// its plain one. Otherwise (the number starts with the prefix, or the prefix is a pattern) this
// answers nullopt and the caller asks Parse. tests/component/crypto/phone_parser_types_test.cpp
// compares parse_phone with Parse for every region's examples, with every one- and two-digit
// prefix and the region's trunk prefix in front.
std::optional<i18n::phonenumbers::PhoneNumber> split_e164(const PhoneNumberUtil& util,
                                                          std::string_view e164) {
  const std::string_view digits = e164.substr(1);
  for (std::size_t len = 1; len <= 3 && len < digits.size(); ++len) {
    int code = 0;
    for (char c : digits.substr(0, len)) code = code * 10 + (c - '0');
    std::string region;
    util.GetRegionCodeForCountryCode(code, &region);
    if (region == "ZZ") continue;
    const std::string_view national = digits.substr(len);
    const auto& prefixes = trunk_prefixes();
    const auto trunk = prefixes.find(code);
    if (trunk == prefixes.end() || trunk->second.pattern ||
        (!trunk->second.digits.empty() && national.starts_with(trunk->second.digits)))
      return std::nullopt;
    i18n::phonenumbers::PhoneNumber number;
    number.set_country_code(code);
    std::uint64_t value = 0;
    for (char c : national) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    number.set_national_number(value);
    if (national.size() > 1 && national[0] == '0') {
      number.set_italian_leading_zero(true);
      std::size_t zeros = 1;  // an all-zero number keeps its last zero as the number
      while (zeros < national.size() - 1 && national[zeros] == '0') ++zeros;
      if (zeros != 1) number.set_number_of_leading_zeros(static_cast<std::int32_t>(zeros));
    }
    return number;
  }
  return std::nullopt;  // no known country calling code (Parse refuses it too)
}

// Parse's own answer, for the numbers split_e164 leaves to it.
std::optional<i18n::phonenumbers::PhoneNumber> parse_slowly(const PhoneNumberUtil& util,
                                                            std::string_view e164) {
  i18n::phonenumbers::PhoneNumber parsed;
  if (util.Parse(std::string(e164), "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR)
    return std::nullopt;
  std::string formatted;
  util.Format(parsed, PhoneNumberUtil::E164, &formatted);
  if (formatted != e164) return std::nullopt;  // e.g. a national trunk "0" kept after the code
  return parsed;
}

}  // namespace

std::optional<ParsedPhone> parse_phone(std::string_view e164) {
  auto number = PhoneNumber::parse_e164(e164);
  if (!number) return std::nullopt;
  // PhoneNumberUtil is a thread-safe singleton once constructed.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  auto parsed = split_e164(util, e164);
  if (!parsed) parsed = parse_slowly(util, e164);
  if (!parsed) return std::nullopt;
  // Validity is the type lookup: IsValidNumber is GetNumberType(number) != UNKNOWN (both find the
  // region's metadata and match the same type patterns), so asking both matched every pattern
  // twice. tests/component/crypto/phone_parser_types_test.cpp holds the equivalence for every
  // region's examples, and region_and_type's answers equal to libphonenumber's.
  auto [region, type] = region_and_type(*parsed);
  if (type == PhoneNumberUtil::UNKNOWN) return std::nullopt;
  return ParsedPhone{*number, std::move(region), line_type_of(type)};
}

}  // namespace otpgate::crypto
