// Phone number validation with libphonenumber: E.164 shape, validity for the country's
// numbering plan, the country and the line type.
#pragma once

#include "otpgate/core/types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace otpgate::crypto {

enum class LineType { mobile, fixed_line_or_mobile, fixed_line, other, unknown };

// Whether otpgate sends codes to this line type: mobile, and fixed_line_or_mobile (plans such as
// the US one do not tell the two apart). Fixed lines, unknown types and every "other" type
// (VoIP, pager, premium rate, toll free, shared cost, personal numbers, UAN, voicemail) are
// refused: they either cannot receive an SMS or are the targets of SMS pumping.
inline bool receives_codes(LineType t) {
  return t == LineType::mobile || t == LineType::fixed_line_or_mobile;
}

struct ParsedPhone {
  PhoneNumber number;
  std::string country;  // ISO 3166-1 alpha-2, e.g. "DE"
  LineType line_type = LineType::unknown;
};

// Accepts only strict E.164 input ("+4915112345678": no spaces, no national format) that
// libphonenumber considers a valid number. Thread-safe.
std::optional<ParsedPhone> parse_phone(std::string_view e164);

}  // namespace otpgate::crypto
