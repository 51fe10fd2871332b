// How an SMS text travels: GSM 03.38 7-bit (the default alphabet, plus the extension table whose
// characters take two septets) or, as soon as one character is outside both, UCS-2 (UTF-16 code
// units). Counts the units and the segments a phone receives: one SMS carries 160 septets or 70
// UCS-2 units; a concatenated one 153 or 67 per part (the rest is the concatenation header), and
// an extension character's escape pair or a surrogate pair is never split across parts.
// Pure: lint, previews and brand policies use it (3GPP TS 23.038, TS 23.040 §9.2.3.24.1).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {

enum class SmsEncoding { gsm7, ucs2 };

std::string_view to_string(SmsEncoding e);

// A character that is in neither GSM 03.38 table, so it forces the whole text into UCS-2.
struct Ucs2Character {
  std::size_t index = 0;        // 0-based position in characters (code points)
  std::size_t byte_offset = 0;  // where it starts in the UTF-8 text
  std::string character;        // its UTF-8 bytes
};

struct SmsAnalysis {
  SmsEncoding encoding = SmsEncoding::gsm7;
  std::size_t characters = 0;  // code points
  std::size_t units = 0;       // septets (gsm7) or UTF-16 code units (ucs2)
  int segments = 1;            // SMS parts the phone receives (an empty text is one SMS)
  std::vector<Ucs2Character> ucs2_characters;  // every character forcing UCS-2, in order
};

// nullopt when the text is not valid UTF-8 (overlong forms, surrogates, beyond U+10FFFF).
std::optional<SmsAnalysis> analyze_sms(std::string_view utf8);

// Septets a code point takes in GSM 03.38: 1 (default alphabet), 2 (extension table), or 0 when
// it is in neither.
int gsm7_septets(char32_t cp);

// Valid UTF-8 whose every character is in a GSM 03.38 table.
bool fits_gsm7(std::string_view utf8);

// The next code point of s at i (i advances past it), or nullopt for invalid UTF-8.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i);

}  // namespace otpgate
