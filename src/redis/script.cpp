#include "otpgate/redis/connection.hpp"

#include <openssl/evp.h>

#include <string>
#include <utility>

namespace otpgate::redis {
namespace {

// Redis names cached scripts by the lower-case hex SHA-1 of their source (SCRIPT LOAD, EVALSHA).
std::string sha1_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_sha1 is built into OpenSSL's default provider; failure here means a broken libcrypto,
  // and an empty digest only costs a NOSCRIPT round trip per call (eval falls back to EVAL).
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr) != 1) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 0x0f]);
  }
  return out;
}

}  // namespace

Script::Script(std::string src) : source(std::move(src)), sha1(sha1_hex(source)) {}

}  // namespace otpgate::redis
