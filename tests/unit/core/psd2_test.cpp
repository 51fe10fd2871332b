// PSD2 dynamic linking (core/psd2.hpp): the canonical binding a code's MAC is bound to. Equal
// orders must give equal bindings (amounts as decimals, currency in any case) and different
// orders different ones, whatever the payee contains.
#include "otpgate/core/psd2.hpp"
#include "otpgate/core/code.hpp"
#include "support/fakes/keyring.hpp"
#include "support/fakes/random.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace otpgate;

namespace {

std::string bound(std::string_view amount, std::string_view currency, std::string_view payee) {
  const auto b = psd2_binding(amount, currency, payee);
  REQUIRE(b.has_value());
  return *b;
}

}  // namespace

TEST_CASE("amounts are canonical decimals", "[unit][psd2]") {
  // {as sent, canonical}
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"49.90", "49.9"},
      {"49.9", "49.9"},
      {"049.90", "49.9"},
      {"49", "49"},
      {"49.0", "49"},
      {"49.00", "49"},
      {"0", "0"},
      {"000", "0"},
      {"0.0", "0"},
      {"0.05", "0.05"},
      {"100", "100"},
      {"100.10", "100.1"},
      {"1000.001", "1000.001"},
  };
  for (const auto& [in, out] : cases) {
    CAPTURE(in);
    CHECK(canonical_amount(in) == out);
  }
  for (const char* bad : {"", ".5", "49.", "-1", "+1", "4 9", "1e3", "49,90", "49.9.0", " 49"}) {
    CAPTURE(bad);
    CHECK_FALSE(canonical_amount(bad).has_value());
  }
}

TEST_CASE("currencies are three letters, compared in upper case", "[unit][psd2]") {
  CHECK(canonical_currency("EUR") == "EUR");
  CHECK(canonical_currency("eur") == "EUR");
  CHECK(canonical_currency("eUr") == "EUR");
  for (const char* bad : {"", "EU", "EURO", "E1R", "EU ", "\xc3\x84UR"}) {
    CAPTURE(bad);
    CHECK_FALSE(canonical_currency(bad).has_value());
  }
}

TEST_CASE("equal orders bind equally", "[unit][psd2]") {
  const std::string b = bound("49.90", "EUR", "Nordwind Shop");
  CHECK(bound("49.9", "EUR", "Nordwind Shop") == b);
  CHECK(bound("049.90", "eur", "Nordwind Shop") == b);
  CHECK(bound("0049.900", "Eur", "Nordwind Shop") == b);
}

TEST_CASE("orders that differ in any term bind differently", "[unit][psd2]") {
  const std::string b = bound("49.90", "EUR", "Nordwind Shop");
  CHECK(bound("49.91", "EUR", "Nordwind Shop") != b);
  CHECK(bound("499", "EUR", "Nordwind Shop") != b);
  CHECK(bound("4.99", "EUR", "Nordwind Shop") != b);
  CHECK(bound("49.90", "USD", "Nordwind Shop") != b);
  // The payee is byte-exact: no trimming, no case folding.
  CHECK(bound("49.90", "EUR", "Nordwind Shop ") != b);
  CHECK(bound("49.90", "EUR", " Nordwind Shop") != b);
  CHECK(bound("49.90", "EUR", "nordwind shop") != b);
  CHECK(bound("49.90", "EUR", "Nordwind  Shop") != b);
}

TEST_CASE("the encoding is injective even with separators in the payee", "[unit][psd2]") {
  // Payees that contain the encoding's own separators and length-like text: a naive
  // concatenation would make some of these triples collide.
  const std::vector<std::tuple<std::string, std::string, std::string>> orders = {
      {"1", "EUR", "A;B"},  {"1", "EUR", "A"},   {"1", "EUR", "A;3:EUR;"},
      {"1", "EUR", "1:A;"}, {"1", "EUR", "A|B"}, {"1", "EUR", "|"},
      {"1", "EUR", ";"},    {"1", "EUR", ":"},   {"1", "EUR", "3:EUR;"},
      {"11", "EUR", "A"},   {"1.1", "EUR", "A"}, {"1", "EUR", std::string("A\0B", 3)},
      {"1", "EUR", "A"},  // a duplicate of the second: the one expected equality
  };
  std::set<std::string> seen;
  for (const auto& [a, c, p] : orders) seen.insert(bound(a, c, p));
  CHECK(seen.size() == orders.size() - 1);
  // The payee is the last field, so a payee can never extend into a following term.
  CHECK(bound("1", "EUR", "A;B") != bound("1", "EUR", "A"));
}

TEST_CASE("an incomplete or malformed order has no binding", "[unit][psd2]") {
  CHECK_FALSE(psd2_binding("", "EUR", "Shop").has_value());
  CHECK_FALSE(psd2_binding("49.90", "", "Shop").has_value());
  CHECK_FALSE(psd2_binding("49.90", "EUR", "").has_value());
  CHECK_FALSE(psd2_binding("49,90", "EUR", "Shop").has_value());
  CHECK_FALSE(psd2_binding("49.90", "EU", "Shop").has_value());
  CHECK_FALSE(psd2_binding(OrderTerms{}).has_value());
  const OrderTerms full{.amount = "49.90", .currency = "EUR", .payee = "Shop"};
  CHECK(psd2_binding(full) == psd2_binding("49.9", "eur", "Shop"));
}

TEST_CASE("no real order binds to the unmatchable binding or to none", "[unit][psd2]") {
  for (const auto& b : {bound("0", "EUR", "x"), bound("49.90", "EUR", "psd2:none"),
                        bound("1", "AAA", std::string(70, 'p'))}) {
    CHECK(b != psd2_unmatchable_binding);
    CHECK(!b.empty());
  }
  CHECK(!psd2_unmatchable_binding.empty());
}

TEST_CASE("the binding changes the code's MAC", "[unit][psd2]") {
  const auto keys = test::keyring();
  test::SeededRandom rng(7);
  const VerificationId id = new_verification_id(rng, "abcdefghij");
  const std::string unbound = code_mac(keys, id, "123456", "");
  const std::string mac = code_mac(keys, id, "123456", bound("49.90", "EUR", "Shop"));
  CHECK(mac != unbound);
  CHECK(code_mac(keys, id, "123456", bound("49.9", "eur", "Shop")) == mac);
  CHECK(code_mac(keys, id, "123456", bound("49.91", "EUR", "Shop")) != mac);
  CHECK(code_mac(keys, id, "123457", bound("49.90", "EUR", "Shop")) != mac);
  CHECK(code_mac(keys, id, "123456", psd2_unmatchable_binding) != mac);
  CHECK(code_mac(keys, id, "123456", psd2_unmatchable_binding) != unbound);
}
