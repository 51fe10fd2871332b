// The keyring's MACs: HMAC-SHA256 under HMAC-SHA256(secret, purpose label), whichever way
// OpenSSL is asked (the keyring copies a pre-keyed context per call; hmac_sha256 is the
// one-shot HMAC()), and the same from several threads at once.
#include "otpgate/core/code.hpp"
#include "otpgate/crypto/openssl.hpp"

#include <catch2/catch.hpp>

#include <memory>

#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace otpgate;

namespace {

Digest expected(const std::string& secret, std::string_view label, std::string_view data) {
  const auto bytes = [](std::string_view s) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  const Digest key = crypto::hmac_sha256(bytes(secret), label);
  return crypto::hmac_sha256(key, data);
}

}  // namespace

TEST_CASE("keyring: HMAC-SHA256 is RFC 4231's", "[unit][keyring]") {
  const std::string key = "Jefe";
  const Digest d = crypto::hmac_sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
      "what do ya want for nothing?");
  CHECK(to_hex(d) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("keyring: each purpose's MAC under its derived key", "[unit][keyring]") {
  const std::string secret(64, 's');
  const crypto::OpensslKeyring keys{Secret<std::string>(secret)};
  const std::pair<KeyPurpose, std::string_view> purposes[] = {
      {KeyPurpose::phone_tag, "otpgate/v1/phone-tag"},
      {KeyPurpose::code_derivation, "otpgate/v1/code-derivation"},
      {KeyPurpose::code_check, "otpgate/v1/code-check"},
      {KeyPurpose::idempotency, "otpgate/v1/idempotency"},
      {KeyPurpose::rate_limit, "otpgate/v1/rate-limit"}};
  for (const auto& [purpose, label] : purposes) {
    for (const std::string& data :
         {std::string(), std::string("nordwind|+4915112345678"), std::string(1000, 'x')}) {
      CHECK(keys.mac(purpose, data) == expected(secret, label, data));
      CHECK(keys.mac(purpose, data) == keys.mac(purpose, data));  // the template is unchanged
    }
  }
}

TEST_CASE("keyring: keyrings used in turn on one thread each MAC under its own keys",
          "[unit][keyring]") {
  const std::string a(32, 'a'), b(32, 'b');
  const crypto::OpensslKeyring first{Secret<std::string>(a)};
  const crypto::OpensslKeyring second{Secret<std::string>(b)};
  for (int round = 0; round < 3; ++round) {
    CHECK(first.mac(KeyPurpose::phone_tag, "x") == expected(a, "otpgate/v1/phone-tag", "x"));
    CHECK(second.mac(KeyPurpose::phone_tag, "x") == expected(b, "otpgate/v1/phone-tag", "x"));
    CHECK(first.mac(KeyPurpose::code_check, "y") == expected(a, "otpgate/v1/code-check", "y"));
  }
  // A keyring made where an earlier one was (the same address, likely) has its own keys.
  for (const std::string& secret : {std::string(40, 'c'), std::string(40, 'd')}) {
    auto made = std::make_unique<crypto::OpensslKeyring>(Secret<std::string>(secret));
    CHECK(made->mac(KeyPurpose::idempotency, "z") ==
          expected(secret, "otpgate/v1/idempotency", "z"));
  }
}

TEST_CASE("keyring: threads share one keyring", "[unit][keyring]") {
  const std::string secret(32, 'k');
  const crypto::OpensslKeyring keys{Secret<std::string>(secret)};
  const Digest want = expected(secret, "otpgate/v1/code-check", "id|123456|binding");
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < wrong.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i)
        if (keys.mac(KeyPurpose::code_check, "id|123456|binding") != want) ++wrong[t];
    });
  for (auto& t : threads) t.join();
  for (int w : wrong) CHECK(w == 0);
}
