// Hashing, MACs and encodings the gateway adapters need for vendor authentication and webhook
// signatures (OpenSSL). Results are raw bytes in a std::string unless the name says hex/base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace otpgate::crypto {

enum class DigestAlgorithm { md5, sha1, sha256, sha512 };

std::string digest(DigestAlgorithm alg, std::string_view data);
std::string hmac(DigestAlgorithm alg, std::string_view key, std::string_view data);

std::string hex_lower(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; nullopt on any invalid character or length.
std::optional<std::string> base64_decode(std::string_view text);
// RFC 4648 §5 (URL-safe, no padding), as JWTs use.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace otpgate::crypto
