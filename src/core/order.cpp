#include "otpgate/core/order.hpp"

#include "otpgate/core/psd2.hpp"

#include <nlohmann/json.hpp>

namespace otpgate {
namespace {

// The field as a string: nullopt when absent, false when present but not a string.
bool string_field(const nlohmann::json& j, const char* name, std::optional<std::string>& out) {
  const auto it = j.find(name);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

}  // namespace

std::optional<Amount> Amount::parse(std::string_view text) {
  constexpr std::size_t max_whole = 12;
  constexpr std::size_t max_fraction = 2;
  const auto dot = text.find('.');
  const std::size_t whole = dot == std::string_view::npos ? text.size() : dot;
  const std::size_t fraction = dot == std::string_view::npos ? 0 : text.size() - dot - 1;
  if (whole > max_whole || fraction > max_fraction) return std::nullopt;
  auto canonical = canonical_amount(text);  // digits, a dot only before a digit
  if (!canonical) return std::nullopt;
  return Amount(std::string(text), std::move(*canonical));
}

nlohmann::json order_to_json(const Order& order) {
  nlohmann::json j = nlohmann::json::object();
  if (order.id) j["id"] = *order.id;
  if (order.amount) j["amount"] = order.amount->text();
  if (order.currency) j["currency"] = *order.currency;
  if (order.payee) j["payee"] = *order.payee;
  return j;
}

std::optional<Order> order_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  Order o;
  std::optional<std::string> amount;
  std::optional<std::string> currency;
  if (!string_field(j, "id", o.id) || !string_field(j, "payee", o.payee) ||
      !string_field(j, "amount", amount) || !string_field(j, "currency", currency))
    return std::nullopt;
  if (amount && !(o.amount = Amount::parse(*amount))) return std::nullopt;
  if (currency && !(o.currency = canonical_currency(*currency))) return std::nullopt;
  return o;
}

}  // namespace otpgate
