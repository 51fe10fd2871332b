#include "otpgate/core/code.hpp"

#include "otpgate/core/base32.hpp"

#include <array>

namespace otpgate {

std::string_view alphabet_chars(CodeAlphabet a) {
  return a == CodeAlphabet::digits ? std::string_view("0123456789")
                                   : std::string_view("23456789ABCDEFGHJKMNPQRSTUVWXYZ");
}

OtpCode generate_code(const CodeFormat& format, const ByteSource& bytes) {
  const std::string_view chars = alphabet_chars(format.alphabet);
  const unsigned n = static_cast<unsigned>(chars.size());
  const unsigned limit = 256U - 256U % n;  // largest multiple of n not above 256
  std::string code;
  code.reserve(static_cast<std::size_t>(format.length));
  while (code.size() < static_cast<std::size_t>(format.length)) {
    const unsigned b = bytes();
    if (b < limit) code.push_back(chars[b % n]);
  }
  return OtpCode(std::move(code));
}

OtpCode derive_code(const Keyring& keys, const CodeFormat& format, const VerificationId& id) {
  // A counter-mode HMAC stream; rejection sampling needs on average < 1.03 bytes per character,
  // so one 32-byte block nearly always suffices.
  Digest block{};
  std::size_t used = block.size();
  std::uint32_t counter = 0;
  auto next = [&]() -> std::uint8_t {
    if (used == block.size()) {
      std::string input = id.str();
      input.push_back('|');
      input.append(std::to_string(counter++));
      block = keys.mac(KeyPurpose::code_derivation, input);
      used = 0;
    }
    return block[used++];
  };
  return generate_code(format, next);
}

std::string code_mac(const Keyring& keys, const VerificationId& id, std::string_view code,
                     std::string_view binding) {
  std::string input = id.str();
  input.push_back('|');
  input.append(code);
  input.push_back('|');
  input.append(binding);
  return to_hex(keys.mac(KeyPurpose::code_check, input));
}

std::string normalise_code(const CodeFormat& format, std::string_view typed) {
  std::string out(typed);
  if (format.alphabet == CodeAlphabet::alphanumeric)
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool plausible_code(const CodeFormat& format, std::string_view normalised) {
  if (normalised.size() != static_cast<std::size_t>(format.length)) return false;
  const std::string_view chars = alphabet_chars(format.alphabet);
  for (char c : normalised)
    if (chars.find(c) == std::string_view::npos) return false;
  return true;
}

std::string phone_tag(const Keyring& keys, std::string_view brand, std::string_view e164) {
  std::string input(brand);
  input.push_back('|');
  input.append(e164);
  const Digest d = keys.mac(KeyPurpose::phone_tag, input);
  return base32_lower(d).substr(0, VerificationId::tag_length);
}

VerificationId new_verification_id(Random& random, std::string_view tag, Purpose purpose) {
  std::array<std::uint8_t, 17> bytes{};  // 136 bits; 26 base32 chars keep 130 of them
  random.fill(bytes);
  return VerificationId::make(tag, base32_lower(bytes).substr(0, 26), purpose);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

}  // namespace otpgate
