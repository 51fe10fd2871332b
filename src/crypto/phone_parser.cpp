#include "otpgate/crypto/phone_parser.hpp"

#include <phonenumbers/phonenumberutil.h>

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

}  // namespace

std::optional<ParsedPhone> parse_phone(std::string_view e164) {
  auto number = PhoneNumber::parse_e164(e164);
  if (!number) return std::nullopt;
  // PhoneNumberUtil is a thread-safe singleton once constructed.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber parsed;
  if (util.Parse(std::string(e164), "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR)
    return std::nullopt;
  std::string formatted;
  util.Format(parsed, PhoneNumberUtil::E164, &formatted);
  if (formatted != e164) return std::nullopt;  // e.g. a national trunk "0" kept after the code
  // Validity is the type lookup: IsValidNumber is GetNumberType(number) != UNKNOWN (both find the
  // region's metadata and match the same type patterns), so asking both matched every pattern
  // twice. tests/component/crypto/phone_parser_types_test.cpp holds the equivalence for every
  // region's examples.
  const auto type = util.GetNumberType(parsed);
  if (type == PhoneNumberUtil::UNKNOWN) return std::nullopt;
  std::string region;
  util.GetRegionCodeForNumber(parsed, &region);
  return ParsedPhone{*number, region, line_type_of(type)};
}

}  // namespace otpgate::crypto
