// One-time codes: generation without modulo bias, per-verification derivation, and the keyed MAC
// that is the only form in which a code is ever stored.
#pragma once

#include "otpgate/core/types.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/random.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace otpgate {

enum class CodeAlphabet { digits, alphanumeric };

struct CodeFormat {
  int length = 6;  // 4..10
  CodeAlphabet alphabet = CodeAlphabet::digits;
};

// The characters codes are drawn from. Alphanumeric codes are upper case and leave out the
// look-alikes 0/O, 1/I/L so a customer cannot mistype them.
std::string_view alphabet_chars(CodeAlphabet a);

// Draws a code from `bytes` by rejection sampling: a byte b is used only when
// b < 256 - 256 % n, so every character of an n-letter alphabet is exactly equally likely.
using ByteSource = std::function<std::uint8_t()>;
OtpCode generate_code(const CodeFormat& format, const ByteSource& bytes);

// The verification's code: generate_code over the stream HMAC(code_derivation key, id || i).
// The id carries 130 bits from Random (OpenSSL RAND_bytes), so the code is as unpredictable as a
// direct draw to anyone without the server secret, yet a resend can send the same code again
// without the code ever being stored.
OtpCode derive_code(const Keyring& keys, const CodeFormat& format, const VerificationId& id);

// What the store keeps and compares: hex(HMAC(code_check key, id | code | binding)), where the
// binding is the PSD2 order binding (psd2_binding in core/psd2.hpp; "" when the brand does not
// bind codes to an order).
std::string code_mac(const Keyring& keys, const VerificationId& id, std::string_view code,
                     std::string_view binding);

// Normalises a code as typed: alphanumeric codes are compared in upper case.
std::string normalise_code(const CodeFormat& format, std::string_view typed);

// True when `typed` could be a code of this format (length and alphabet, after normalising).
bool plausible_code(const CodeFormat& format, std::string_view normalised);

// The Redis hash tag of a phone within a brand: base32(HMAC(phone_tag key, brand|phone))[0..10).
std::string phone_tag(const Keyring& keys, std::string_view brand, std::string_view e164);

// A new verification id for that tag and purpose, with 130 random bits from `random`.
VerificationId new_verification_id(Random& random, std::string_view tag,
                                   Purpose purpose = Purpose::checkout);

std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace otpgate
