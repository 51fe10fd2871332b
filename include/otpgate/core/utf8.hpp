// UTF-8 text measured as people count it: code points, not bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace otpgate {

// Code points of valid UTF-8 (continuation bytes, 10xxxxxx, are not counted). Callers have
// refused invalid UTF-8 already (the JSON parser does).
inline std::size_t utf8_code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (const char c : utf8)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace otpgate
