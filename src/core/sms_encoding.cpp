#include "otpgate/core/sms_encoding.hpp"

#include <algorithm>
#include <array>

namespace otpgate {
namespace {

// The default alphabet's characters outside printable ASCII (3GPP TS 23.038 §6.2.1). 0x09 is
// the capital Ç as the specification prints it (Unicode's GSM0338 mapping agrees); the small ç
// is not in the alphabet.
constexpr std::array<char32_t, 39> default_non_ascii = {
    0xA3,  0xA5,  0xE8,  0xE9,  0xF9,  0xEC,  0xF2,  0xC7,  0xD8,  0xF8, 0xC5, 0xE5, 0x394,
    0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6, 0xDF, 0xC9,
    0xA4,  0xA1,  0xC4,  0xD6,  0xD1,  0xDC,  0xA7,  0xBF,  0xE4,  0xF6, 0xF1, 0xFC, 0xE0};

// The extension table (§6.2.1.1), reached through the escape septet: two septets each.
constexpr std::array<char32_t, 10> extension = {'\f', '^', '{', '}', '\\',
                                                '[',  '~', ']', '|', 0x20AC};

// Single-part capacity and per-part capacity of a concatenated message.
struct Capacity {
  std::size_t single;
  std::size_t part;
};
constexpr Capacity gsm7_capacity{160, 153};
constexpr Capacity ucs2_capacity{70, 67};

// Parts needed for these characters' unit sizes, never splitting one character's units.
int count_segments(const std::vector<int>& sizes, std::size_t total, Capacity c) {
  if (total <= c.single) return 1;
  int parts = 1;
  std::size_t used = 0;
  for (int size : sizes) {
    if (used + static_cast<std::size_t>(size) > c.part) {
      ++parts;
      used = 0;
    }
    used += static_cast<std::size_t>(size);
  }
  return parts;
}

}  // namespace

std::string_view to_string(SmsEncoding e) {
  return e == SmsEncoding::gsm7 ? "GSM-7" : "UCS-2";
}

std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i++]);
  if (lead < 0x80) return lead;
  const int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : -1;
  if (extra < 0 || lead > 0xF4 || i + static_cast<std::size_t>(extra) > s.size())
    return std::nullopt;
  char32_t cp = lead & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    const auto c = static_cast<unsigned char>(s[i++]);
    if ((c & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t min_of[] = {0, 0x80, 0x800, 0x10000};
  if (cp < min_of[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

int gsm7_septets(char32_t cp) {
  if (std::find(extension.begin(), extension.end(), cp) != extension.end()) return 2;
  if (cp == '\n' || cp == '\r' || (cp >= 0x20 && cp < 0x7F && cp != '`')) return 1;
  return std::find(default_non_ascii.begin(), default_non_ascii.end(), cp) !=
                 default_non_ascii.end()
             ? 1
             : 0;
}

std::optional<SmsAnalysis> analyze_sms(std::string_view utf8) {
  SmsAnalysis a;
  std::vector<int> septets;
  std::vector<int> utf16;
  for (std::size_t i = 0; i < utf8.size();) {
    const std::size_t start = i;
    const auto cp = next_code_point(utf8, i);
    if (!cp) return std::nullopt;
    const int gsm = gsm7_septets(*cp);
    if (gsm == 0)
      a.ucs2_characters.push_back(
          Ucs2Character{a.characters, start, std::string(utf8.substr(start, i - start))});
    septets.push_back(gsm);
    utf16.push_back(*cp > 0xFFFF ? 2 : 1);
    ++a.characters;
  }
  const bool gsm7 = a.ucs2_characters.empty();
  a.encoding = gsm7 ? SmsEncoding::gsm7 : SmsEncoding::ucs2;
  const auto& sizes = gsm7 ? septets : utf16;
  for (int s : sizes) a.units += static_cast<std::size_t>(s);
  a.segments = count_segments(sizes, a.units, gsm7 ? gsm7_capacity : ucs2_capacity);
  return a;
}

bool fits_gsm7(std::string_view utf8) {
  const auto a = analyze_sms(utf8);
  return a && a->encoding == SmsEncoding::gsm7;
}

}  // namespace otpgate
