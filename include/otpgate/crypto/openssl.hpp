// OpenSSL implementations of the Random, Keyring and Signer ports, and hashing helpers.
#pragma once

#include "otpgate/core/types.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/random.hpp"
#include "otpgate/ports/signer.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX

namespace otpgate::crypto {

class OpensslRandom final : public Random {
 public:
  // RAND_bytes; aborts the process if the CSPRNG fails (never fall back to weak randomness).
  void fill(std::span<std::uint8_t> out) override;
};

// Per-purpose keys derived once from the server secret with HMAC-SHA256(secret, label), so the
// secret itself is used for nothing else.
class OpensslKeyring final : public Keyring {
 public:
  explicit OpensslKeyring(const Secret<std::string>& server_secret);
  ~OpensslKeyring() override;
  OpensslKeyring(const OpensslKeyring&) = delete;
  OpensslKeyring& operator=(const OpensslKeyring&) = delete;

  // Thread-safe: each thread works on its own copy of the purpose's keyed context.
  Digest mac(KeyPurpose purpose, std::string_view data) const override;

 private:
  struct ctx_free {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  std::array<Secret<Digest>, 5> keys_;
  // Per purpose, an HMAC context with its key already set, copied (EVP_MAC_CTX_dup) once per
  // thread and reset per call: the one-shot HMAC() fetched the algorithms by name and keyed a new
  // context every time, five times per create. Null when OpenSSL could not make one; mac() then
  // uses HMAC().
  std::array<std::unique_ptr<evp_mac_ctx_st, ctx_free>, 5> keyed_;
  // Tells this keyring's per-thread copies from an earlier keyring's (openssl_crypto.cpp).
  std::uint64_t serial_;
};

// HMAC-SHA256 under the caller's key, lower-case hex (the alert webhooks' signatures).
class OpensslSigner final : public Signer {
 public:
  std::string hmac_sha256_hex(std::string_view key, std::string_view data) const override;
};

Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
std::string sha256_hex(std::string_view data);
// CRYPTO_memcmp: time depends only on the length.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace otpgate::crypto
