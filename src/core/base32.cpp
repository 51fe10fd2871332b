#include "otpgate/core/base32.hpp"

namespace otpgate {
namespace {
constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
}

std::string base32_lower(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(alphabet[(buffer >> (bits - 5)) & 31U]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (5 - bits)) & 31U]);
  return out;
}

bool is_base32_lower(std::string_view text) {
  for (char c : text)
    if (alphabet.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace otpgate
