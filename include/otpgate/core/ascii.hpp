// ASCII case folding for protocol tokens (header names, codings, locale tags): byte by byte,
// never locale-dependent, so "I" and "i" match whatever the process's locale says.
#pragma once

#include <algorithm>
#include <string_view>

namespace otpgate {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// a == b ignoring the case of ASCII letters.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace otpgate
