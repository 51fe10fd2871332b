// One-time codes (core/code.hpp): generation by rejection sampling, derivation per verification,
// the stored MAC, and the ids and phone tags codes are bound to.
#include "otpgate/core/code.hpp"
#include "support/fakes/keyring.hpp"
#include "support/fakes/random.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace otpgate;
using otpgate::test::SeededRandom;

namespace {

// Pearson's chi-square statistic of counts against a uniform expectation.
double chi_square(const std::array<long, 10>& counts, double expected) {
  double sum = 0;
  for (long c : counts)
    sum += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
  return sum;
}

constexpr double chi2_999_9dof = 27.88;  // 99.9% critical value, 9 degrees of freedom
constexpr int sample_digits = 200'000;

// Returns a ByteSource replaying `bytes`, then failing the test if more are asked for.
ByteSource scripted(std::vector<std::uint8_t> bytes) {
  auto pos = std::make_shared<std::size_t>(0);
  return [bytes = std::move(bytes), pos]() -> std::uint8_t {
    REQUIRE(*pos < bytes.size());
    return bytes[(*pos)++];
  };
}

}  // namespace

TEST_CASE("generate_code has the requested length and alphabet", "[unit][code]") {
  SeededRandom rng(1);
  const ByteSource bytes = [&] { return rng.byte(); };
  const auto alphabet = GENERATE(CodeAlphabet::digits, CodeAlphabet::alphanumeric);
  const int length = GENERATE(range(4, 11));
  CAPTURE(length, static_cast<int>(alphabet));
  const CodeFormat format{.length = length, .alphabet = alphabet};
  for (int i = 0; i < 50; ++i) {
    const std::string code = generate_code(format, bytes).reveal();
    REQUIRE(code.size() == static_cast<std::size_t>(length));
    CHECK(plausible_code(format, code));
  }
}

TEST_CASE("the alphanumeric alphabet is upper case without look-alikes", "[unit][code]") {
  const std::string_view chars = alphabet_chars(CodeAlphabet::alphanumeric);
  CHECK(chars.size() == 31);
  for (char c : std::string_view("0O1IL")) CHECK(chars.find(c) == std::string_view::npos);
  for (char c : chars) CHECK(((c >= '2' && c <= '9') || (c >= 'A' && c <= 'Z')));
  CHECK(alphabet_chars(CodeAlphabet::digits) == "0123456789");
}

TEST_CASE("generate_code rejects the bytes that would bias the result", "[unit][code]") {
  SECTION("digits: 250..255 are skipped, 249 is used") {
    CHECK(generate_code({.length = 1}, scripted({255, 251, 250, 3})).reveal() == "3");
    CHECK(generate_code({.length = 1}, scripted({249})).reveal() == "9");
    CHECK(generate_code({.length = 3}, scripted({250, 0, 252, 129, 253, 17})).reveal() == "097");
  }
  SECTION("alphanumeric (31 letters): 248..255 are skipped, 247 is used") {
    const CodeFormat f{.length = 1, .alphabet = CodeAlphabet::alphanumeric};
    CHECK(generate_code(f, scripted({255, 248, 0})).reveal() == "2");
    CHECK(generate_code(f, scripted({247})).reveal() == "Z");  // 247 % 31 == 30
  }
}

TEST_CASE("generated digits are uniform: chi-square separates them from b % 10", "[unit][code]") {
  const double expected = sample_digits / 10.0;

  SeededRandom rng(20240601);
  const ByteSource bytes = [&] { return rng.byte(); };
  std::array<long, 10> counts{};
  for (int i = 0; i < sample_digits / 10; ++i) {
    // Named: a range-for over reveal() of a temporary would read a destroyed string.
    const OtpCode code = generate_code({.length = 10}, bytes);
    for (char c : code.reveal()) ++counts[static_cast<std::size_t>(c - '0')];
  }
  const double fair = chi_square(counts, expected);
  CAPTURE(fair);
  CHECK(fair < chi2_999_9dof);

  // The same byte stream mapped with b % 10 and no rejection: 0..5 get 26/256, 6..9 25/256.
  SeededRandom rng2(20240601);
  std::array<long, 10> biased_counts{};
  for (int i = 0; i < sample_digits; ++i) ++biased_counts[rng2.byte() % 10U];
  const double biased = chi_square(biased_counts, expected);
  CAPTURE(biased);
  CHECK(biased > chi2_999_9dof);
}

TEST_CASE("derive_code is a function of secret, format and id", "[unit][code]") {
  const auto keys = test::keyring();
  SeededRandom rng(7);
  const CodeFormat format{.length = 8};
  const VerificationId id = new_verification_id(rng, "abcdefghij");

  SECTION("the same id gives the same code, so a resend sends the same code") {
    const std::string first = derive_code(keys, format, id).reveal();
    CHECK(derive_code(keys, format, id).reveal() == first);
    CHECK(derive_code(test::keyring(std::string(64, 'k')), format, id).reveal() == first);
    CHECK(plausible_code(format, first));
  }
  SECTION("different ids give (nearly always) different codes") {
    std::set<std::string> codes;
    for (int i = 0; i < 1000; ++i)
      codes.insert(derive_code(keys, format, new_verification_id(rng, "abcdefghij")).reveal());
    CHECK(codes.size() >= 998);  // 8 digits: expected collisions among 1000 are ~0.005
  }
  SECTION("a different server secret gives different codes") {
    const auto other = test::keyring(std::string(64, 'q'));
    int same = 0;
    for (int i = 0; i < 100; ++i) {
      const VerificationId v = new_verification_id(rng, "abcdefghij");
      same += derive_code(keys, format, v).reveal() == derive_code(other, format, v).reveal();
    }
    CHECK(same <= 1);
  }
  SECTION("alphanumeric derivation stays in its alphabet") {
    const CodeFormat an{.length = 10, .alphabet = CodeAlphabet::alphanumeric};
    CHECK(plausible_code(an, derive_code(keys, an, id).reveal()));
  }
}

TEST_CASE("code_mac binds id, code and order binding", "[unit][code]") {
  const auto keys = test::keyring();
  SeededRandom rng(3);
  const VerificationId id = new_verification_id(rng, "abcdefghij");
  const VerificationId other_id = new_verification_id(rng, "abcdefghij");
  const std::string mac = code_mac(keys, id, "123456", "");

  CHECK(mac.size() == 64);
  CHECK(mac.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(code_mac(keys, id, "123456", "") == mac);
  CHECK(code_mac(keys, id, "123457", "") != mac);
  CHECK(code_mac(keys, other_id, "123456", "") != mac);
  CHECK(code_mac(keys, id, "123456", "order-1|49.99|EUR") != mac);
  CHECK(code_mac(keys, id, "123456", "order-1|49.99|EUR") !=
        code_mac(keys, id, "123456", "order-1|49.98|EUR"));
  CHECK(code_mac(test::keyring(std::string(64, 'q')), id, "123456", "") != mac);
}

TEST_CASE("normalise_code and plausible_code", "[unit][code]") {
  const CodeFormat digits{.length = 6};
  const CodeFormat an{.length = 6, .alphabet = CodeAlphabet::alphanumeric};
  CHECK(normalise_code(an, "ab2cDe") == "AB2CDE");
  CHECK(normalise_code(digits, "ab2cDe") == "ab2cDe");  // digits are not rewritten
  CHECK(plausible_code(digits, "012345"));
  CHECK_FALSE(plausible_code(digits, "01234"));
  CHECK_FALSE(plausible_code(digits, "0123456"));
  CHECK_FALSE(plausible_code(digits, "01234a"));
  CHECK(plausible_code(an, "AB2CDE"));
  CHECK_FALSE(plausible_code(an, "ab2cde"));  // not normalised
  CHECK_FALSE(plausible_code(an, "AB0CDE"));  // 0 is not in the alphabet
  CHECK_FALSE(plausible_code(an, "ABICDE"));
}

TEST_CASE("phone_tag is 10 base32 characters keyed by brand and phone", "[unit][code]") {
  const auto keys = test::keyring();
  const std::string tag = phone_tag(keys, "nordwind", "+4915112345678");
  CHECK(tag.size() == VerificationId::tag_length);
  CHECK(tag.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") == std::string::npos);
  CHECK(phone_tag(keys, "nordwind", "+4915112345678") == tag);
  CHECK(phone_tag(keys, "skylink", "+4915112345678") != tag);
  CHECK(phone_tag(keys, "nordwind", "+4915112345679") != tag);
  CHECK(phone_tag(test::keyring(std::string(64, 'q')), "nordwind", "+4915112345678") != tag);
}

TEST_CASE("new_verification_id parses back and embeds the tag", "[unit][code]") {
  SeededRandom rng(11);
  const VerificationId id = new_verification_id(rng, "abcdefghij");
  CHECK(id.str().size() == 39);
  CHECK(id.str().rfind("vf_abcdefghij", 0) == 0);
  CHECK(id.tag() == "abcdefghij");
  const auto parsed = VerificationId::parse(id.str());
  REQUIRE(parsed.has_value());
  CHECK(*parsed == id);
  CHECK(new_verification_id(rng, "abcdefghij") != id);
}

TEST_CASE("to_hex writes lower-case pairs", "[unit][code]") {
  const std::array<std::uint8_t, 4> bytes{0x00, 0x0f, 0xa5, 0xff};
  CHECK(to_hex(bytes) == "000fa5ff");
}
