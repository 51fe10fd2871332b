// The Keyring port without OpenSSL, so tiers that link only the core can derive codes and tags:
// HMAC-SHA256 (FIPS 180-4, RFC 2104) written out here, with the production keyring's key
// derivation (crypto::OpensslKeyring: one key per purpose, HMAC(secret, label)). The component
// tier checks that both give the same digests (tests/component/crypto/openssl_crypto_test.cpp).
#pragma once

#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/signer.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::test {

namespace detail {

inline std::uint32_t rotr(std::uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

inline void sha256_block(std::array<std::uint32_t, 8>& h, const std::uint8_t* p) {
  static constexpr std::array<std::uint32_t, 64> k = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  std::array<std::uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i)
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) |
           (std::uint32_t{p[4 * i + 2]} << 8) | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  auto [a, b, c, d, e, f, g, hh] = h;
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t t1 =
        hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
    const std::uint32_t t2 =
        (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  const std::array<std::uint32_t, 8> add = {a, b, c, d, e, f, g, hh};
  for (int i = 0; i < 8; ++i) h[i] += add[i];
}

}  // namespace detail

inline Digest sha256(std::span<const std::uint8_t> data) {
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::vector<std::uint8_t> m(data.begin(), data.end());
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  m.push_back(0x80);
  while (m.size() % 64 != 56) m.push_back(0);
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  for (std::size_t at = 0; at < m.size(); at += 64) detail::sha256_block(h, m.data() + at);
  Digest out{};
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
  return out;
}

inline Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  std::array<std::uint8_t, 64> block{};
  if (key.size() > block.size()) {
    const Digest short_key = sha256(key);
    std::copy(short_key.begin(), short_key.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::vector<std::uint8_t> inner(block.begin(), block.end());
  for (auto& b : inner) b ^= 0x36;
  inner.insert(inner.end(), data.begin(), data.end());
  const Digest inner_digest = sha256(inner);
  std::vector<std::uint8_t> outer(block.begin(), block.end());
  for (auto& b : outer) b ^= 0x5c;
  outer.insert(outer.end(), inner_digest.begin(), inner_digest.end());
  return sha256(outer);
}

// A Keyring that derives its keys as the production one does, from a fixed secret.
class FakeKeyring final : public Keyring {
 public:
  explicit FakeKeyring(const std::string& secret) {
    static constexpr const char* labels[] = {"otpgate/v1/phone-tag", "otpgate/v1/code-derivation",
                                             "otpgate/v1/code-check", "otpgate/v1/idempotency",
                                             "otpgate/v1/rate-limit"};
    const std::span<const std::uint8_t> key(reinterpret_cast<const std::uint8_t*>(secret.data()),
                                            secret.size());
    for (std::size_t i = 0; i < keys_.size(); ++i) keys_[i] = hmac_sha256(key, labels[i]);
  }
  Digest mac(KeyPurpose purpose, std::string_view data) const override {
    return hmac_sha256(keys_[static_cast<std::size_t>(purpose)], data);
  }

 private:
  std::array<Digest, 5> keys_{};
};

// The Signer port without OpenSSL (crypto::OpensslSigner: lower-case hex HMAC-SHA256).
class FakeSigner final : public Signer {
 public:
  std::string hmac_sha256_hex(std::string_view key, std::string_view data) const override {
    const Digest d = hmac_sha256(std::span<const std::uint8_t>(
                                     reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
                                 data);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const std::uint8_t b : d) {
      out += digits[b >> 4];
      out += digits[b & 0x0F];
    }
    return out;
  }
};

// The keyring the tests use: a 64-character secret of 'k's unless told otherwise.
inline FakeKeyring keyring(std::string secret = std::string(64, 'k')) {
  return FakeKeyring(secret);
}

}  // namespace otpgate::test
