// The OpenSSL keyring (src/crypto/openssl_crypto.cpp) against the tests' own keyring
// (tests/support/fakes/keyring.hpp), which the unit and app tiers use in its place: both must
// give the same digests, so what those tiers assert of codes, tags and MACs holds in production.
#include "otpgate/core/code.hpp"
#include "otpgate/crypto/openssl.hpp"

#include "support/fakes/keyring.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace otpgate;

TEST_CASE("the tests' keyring derives the same digests as the OpenSSL keyring", "[crypto]") {
  for (const std::string& secret :
       {std::string(64, 'k'), std::string(64, 'q'), std::string(200, 's')}) {
    const crypto::OpensslKeyring real{Secret<std::string>(std::string(secret))};
    const test::FakeKeyring fake(secret);
    for (const auto purpose :
         {KeyPurpose::phone_tag, KeyPurpose::code_derivation, KeyPurpose::code_check,
          KeyPurpose::idempotency, KeyPurpose::rate_limit}) {
      for (const std::string& data :
           {std::string(), std::string("acme|+4915112345678"), std::string(55, 'x'),
            std::string(56, 'y'), std::string(64, 'z'), std::string(1000, 'w')}) {
        CAPTURE(secret.size(), static_cast<int>(purpose), data.size());
        CHECK(fake.mac(purpose, data) == real.mac(purpose, data));
      }
    }
  }
}

TEST_CASE("the tests' SHA-256 answers the FIPS 180-2 example", "[crypto]") {
  const std::string abc = "abc";
  const Digest d = test::sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()));
  CHECK(to_hex(d) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the tests' signer signs as the OpenSSL signer", "[crypto]") {
  const crypto::OpensslSigner real;
  const test::FakeSigner fake;
  for (const std::string& key : {std::string("whsec"), std::string(100, 'k')}) {
    const std::string body = R"({"type":"alert.opened"})";
    CHECK(fake.hmac_sha256_hex(key, body) == real.hmac_sha256_hex(key, body));
  }
}

TEST_CASE("OpensslRandom hands out no bytes twice, across its blocks and threads", "[crypto]") {
  // Its bytes are drawn from RAND_bytes a block at a time per thread (a getpid() per call saved):
  // a piece handed out twice would repeat ids. 136-bit pieces colliding by chance: never.
  const auto draw = [](std::set<std::string>& seen, std::size_t pieces) {
    crypto::OpensslRandom random;
    std::size_t repeated = 0;
    for (std::size_t i = 0; i < pieces; ++i) {
      std::array<std::uint8_t, 17> piece{};
      random.fill(piece);
      if (!seen.emplace(piece.begin(), piece.end()).second) ++repeated;
      // Odd sizes and one larger than a pool's share in between, so blocks end mid-piece.
      std::vector<std::uint8_t> odd(i % 7 == 0 ? 300 : i % 5);
      random.fill(odd);
    }
    return repeated;
  };
  std::set<std::string> main_seen;
  CHECK(draw(main_seen, 2000) == 0);
  std::set<std::string> other_seen;
  std::size_t other_repeated = 0;
  std::thread other([&] { other_repeated = draw(other_seen, 2000); });
  other.join();
  CHECK(other_repeated == 0);
  std::size_t shared = 0;
  for (const auto& p : other_seen) shared += main_seen.count(p);
  CHECK(shared == 0);
}
