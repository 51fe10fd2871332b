#include "otpgate/core/psd2.hpp"

#include <algorithm>

namespace otpgate {
namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void append_field(std::string& out, std::string_view value) {
  out.append(std::to_string(value.size()));
  out.push_back(':');
  out.append(value);
  out.push_back(';');
}

}  // namespace

std::optional<std::string> canonical_amount(std::string_view amount) {
  const auto dot = amount.find('.');
  std::string_view whole = amount.substr(0, dot);
  std::string_view frac =
      dot == std::string_view::npos ? std::string_view() : amount.substr(dot + 1);
  if (whole.empty() || !all_digits(whole) || !all_digits(frac)) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;  // "49."
  const auto first = whole.find_first_not_of('0');
  whole = first == std::string_view::npos ? std::string_view("0") : whole.substr(first);
  const auto last = frac.find_last_not_of('0');
  frac = last == std::string_view::npos ? std::string_view() : frac.substr(0, last + 1);
  std::string out(whole);
  if (!frac.empty()) {
    out.push_back('.');
    out.append(frac);
  }
  return out;
}

std::optional<std::string> canonical_currency(std::string_view currency) {
  if (currency.size() != 3) return std::nullopt;
  std::string out(currency);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return std::nullopt;
  }
  return out;
}

std::optional<std::string> psd2_binding(std::string_view amount, std::string_view currency,
                                        std::string_view payee) {
  const auto a = canonical_amount(amount);
  const auto c = canonical_currency(currency);
  if (!a || !c || payee.empty()) return std::nullopt;
  std::string out = "psd2:v1;";
  append_field(out, *a);
  append_field(out, *c);
  append_field(out, payee);
  return out;
}

std::optional<std::string> psd2_binding(const OrderTerms& order) {
  return psd2_binding(order.amount, order.currency, order.payee);
}

std::optional<std::string> psd2_binding(const Order& order) {
  if (!order.amount || !order.currency || !order.payee) return std::nullopt;
  return psd2_binding(order.amount->canonical(), *order.currency, *order.payee);
}

std::optional<std::string_view> missing_psd2_term(const std::optional<Order>& order) {
  if (!order || !order->amount) return "amount";
  if (!order->currency) return "currency";
  if (!order->payee) return "payee";
  return std::nullopt;
}

}  // namespace otpgate
