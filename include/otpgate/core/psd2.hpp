// PSD2 dynamic linking (RTS on strong customer authentication, Art. 5): a code a brand issues
// for a payment authenticates that payment only, i.e. one amount, in one currency, for one payee.
// otpgate binds the code by putting a canonical form of the three into the stored code MAC
// (core/code.hpp, code_mac's binding). Pure functions.
#pragma once

#include "otpgate/core/order.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

// The order terms a check presents, each as sent ("" = not presented), validated at the edge
// by the same rules as an Order's fields (Amount::parse, canonical_currency).
struct OrderTerms {
  std::string amount;    // decimal string, "49.90"
  std::string currency;  // ISO 4217 letters, any case
  std::string payee;     // compared byte for byte
};

// The amount as a canonical decimal: no leading zeros in the whole part, no trailing zeros in the
// fraction, no dot without a fraction: "049.90" -> "49.9", "49.00" -> "49", "0.0" -> "0". So two
// amounts are equal as decimals exactly when their canonical forms are equal; no floating point.
// nullopt unless `amount` is digits with an optional dot followed by at least one digit.
std::optional<std::string> canonical_amount(std::string_view amount);

// Three ASCII letters in upper case ("eur" -> "EUR"); nullopt for anything else.
std::optional<std::string> canonical_currency(std::string_view currency);

// The binding code_mac takes for these terms: "psd2:v1;" then the canonical amount, the canonical
// currency and the payee exactly as given (no trimming, no case folding, any bytes), each as
// <decimal length>":"<bytes>";". Length prefixes make the encoding injective: no two different
// triples give the same string, whatever the payee contains. nullopt when a term is missing or
// malformed (an empty payee counts as missing).
std::optional<std::string> psd2_binding(std::string_view amount, std::string_view currency,
                                        std::string_view payee);
std::optional<std::string> psd2_binding(const OrderTerms& order);
// The binding of a create's order: its canonical amount and currency and its payee.
std::optional<std::string> psd2_binding(const Order& order);

// A brand with psd2_dynamic_linking binds every checkout code to its order, so a create's order
// must carry amount, currency and payee: the first one missing ("amount", "currency" or
// "payee"; "amount" when there is no order), or nullopt when all three are there.
std::optional<std::string_view> missing_psd2_term(const std::optional<Order>& order);

// The binding a check uses when it presents no complete order: it never starts with "psd2:v1;",
// so no real order's binding equals it, and it differs from "" (the unbound binding). A bound
// verification checked with it never matches: exactly a wrong code.
inline constexpr std::string_view psd2_unmatchable_binding = "psd2:none";

}  // namespace otpgate
