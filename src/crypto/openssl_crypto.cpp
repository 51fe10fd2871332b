#include "otpgate/crypto/openssl.hpp"

#include "otpgate/core/code.hpp"
#include "otpgate/crypto/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace otpgate::crypto {

namespace {

void rand_bytes(std::uint8_t* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    std::fputs("otpgate: RAND_bytes failed; refusing to continue without a CSPRNG\n", stderr);
    std::abort();
  }
}

// This thread's unused RAND_bytes output. A create needs 17 bytes, and every RAND_bytes call
// costs a getpid() system call (OpenSSL's fork check), so bytes are drawn a block at a time and
// handed out once each. The block is CSPRNG output like any other, kept in the process's memory
// as the DRBG's own state is. Not fork-safe (a child would start with a copy of the forking
// thread's pool: that is what OpenSSL's check is for), and otpgate never forks.
struct RandomPool {
  static constexpr std::size_t size = 512;
  std::array<std::uint8_t, size> bytes{};
  std::size_t used = size;
  ~RandomPool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

void OpensslRandom::fill(std::span<std::uint8_t> out) {
  thread_local RandomPool pool;
  if (out.size() > RandomPool::size / 4) return rand_bytes(out.data(), out.size());
  if (RandomPool::size - pool.used < out.size()) {
    rand_bytes(pool.bytes.data(), RandomPool::size);
    pool.used = 0;
  }
  std::copy_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.used), out.size(), out.begin());
  // Handed out once: wiped where it lay.
  OPENSSL_cleanse(pool.bytes.data() + pool.used, out.size());
  pool.used += out.size();
}

std::string OpensslSigner::hmac_sha256_hex(std::string_view key, std::string_view data) const {
  return hex_lower(hmac(DigestAlgorithm::sha256, key, data));
}

Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

namespace {

// An HMAC-SHA256 context keyed with key, or null.
EVP_MAC_CTX* keyed_hmac(std::span<const std::uint8_t> key) {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (hmac == nullptr) return nullptr;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);  // the context holds its own reference
  if (ctx == nullptr) return nullptr;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  if (EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// This thread's copies of one keyring's keyed contexts: made once (EVP_MAC_CTX_dup) and set back
// to the key's initial state for every MAC (EVP_MAC_init without a key), instead of a copy made
// and freed per MAC. A thread keeps the contexts of the keyring it used last; `owner` is that
// keyring's serial (never an address, which a later keyring may reuse).
struct ThreadContexts {
  std::uint64_t owner = 0;
  std::array<EVP_MAC_CTX*, 5> ctx{};
  ThreadContexts() = default;
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
  ~ThreadContexts() { clear(); }
  void clear() {
    for (auto& c : ctx) {
      EVP_MAC_CTX_free(c);
      c = nullptr;
    }
  }
};

std::atomic<std::uint64_t> keyring_serials{0};

}  // namespace

void OpensslKeyring::ctx_free::operator()(evp_mac_ctx_st* ctx) const {
  EVP_MAC_CTX_free(ctx);
}

OpensslKeyring::OpensslKeyring(const Secret<std::string>& server_secret)
    : serial_(++keyring_serials) {
  static constexpr const char* labels[] = {"otpgate/v1/phone-tag", "otpgate/v1/code-derivation",
                                           "otpgate/v1/code-check", "otpgate/v1/idempotency",
                                           "otpgate/v1/rate-limit"};
  const auto& s = server_secret.reveal();
  const std::span<const std::uint8_t> key(reinterpret_cast<const std::uint8_t*>(s.data()),
                                          s.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    keys_[i] = Secret<Digest>(hmac_sha256(key, labels[i]));
    keyed_[i].reset(keyed_hmac(keys_[i].reveal()));
  }
}

OpensslKeyring::~OpensslKeyring() = default;

Digest OpensslKeyring::mac(KeyPurpose purpose, std::string_view data) const {
  const auto i = static_cast<std::size_t>(purpose);
  // The template is only read (EVP_MAC_CTX_dup takes it const), so threads can share it.
  if (keyed_[i]) {
    thread_local ThreadContexts mine;
    if (mine.owner != serial_) {
      mine.clear();
      mine.owner = serial_;
    }
    EVP_MAC_CTX*& ctx = mine.ctx[i];
    bool ready = false;
    if (ctx == nullptr) {
      ctx = EVP_MAC_CTX_dup(keyed_[i].get());
      ready = ctx != nullptr;
    } else {
      ready = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1;  // the key set again, as dup'd
    }
    Digest out{};
    std::size_t len = 0;
    if (ready &&
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
            1 &&
        EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size())
      return out;
    EVP_MAC_CTX_free(ctx);  // in an unknown state: the next MAC makes a fresh copy
    ctx = nullptr;
  }
  return hmac_sha256(keys_[i].reveal(), data);
}

std::string sha256_hex(std::string_view data) {
  // Fetched once: EVP_sha256() made every call look the algorithm up again (each request's API
  // key is hashed). A fetched method is immutable and may be shared by threads.
  static const EVP_MD* const sha256 = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  Digest out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, sha256, nullptr);
  return to_hex(out);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace otpgate::crypto
