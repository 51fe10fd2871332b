// The kinds of line a phone number belongs to, and the rule which of them otpgate sends codes
// to. The type itself comes from the phone parser (ports/phone_parser.hpp).
#pragma once

namespace otpgate {

enum class LineType { mobile, fixed_line_or_mobile, fixed_line, other, unknown };

// Whether otpgate sends codes to this line type: mobile, and fixed_line_or_mobile (plans such as
// the US one do not tell the two apart). Fixed lines, unknown types and every "other" type
// (VoIP, pager, premium rate, toll free, shared cost, personal numbers, UAN, voicemail) are
// refused: they either cannot receive an SMS or are the targets of SMS pumping.
inline bool receives_codes(LineType t) {
  return t == LineType::mobile || t == LineType::fixed_line_or_mobile;
}

}  // namespace otpgate
