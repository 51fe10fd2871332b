// The order a verification is for (docs/api.md, "order"): parsed once at the HTTP edge
// (api/requests.cpp) into these types, kept in the verification record, and turned back into
// JSON only at the edges (the Redis record's 'ord' field, the API's answers). Pure.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

// An amount of money as a decimal string: 1 to 12 digits, then optionally a dot and 1 or 2
// digits ("49.99", "100", "049.9"). Strings, not floating point, so no rounding ever touches
// money. It keeps the text as the client wrote it, which answers echo and the SMS formats
// (format_amount), and its canonical form (canonical_amount in core/psd2.hpp: "049.90" ->
// "49.9"), which the PSD2 binding uses, so amounts compare as decimals.
class Amount {
 public:
  // The one validator of an amount; nullopt for anything else ("49.999", "1e3", "49.", "").
  static std::optional<Amount> parse(std::string_view text);
  const std::string& text() const { return text_; }
  const std::string& canonical() const { return canonical_; }
  // Equal as decimals: "49.9" == "049.90".
  bool operator==(const Amount& o) const { return canonical_ == o.canonical_; }

 private:
  Amount(std::string text, std::string canonical)
      : text_(std::move(text)), canonical_(std::move(canonical)) {}
  std::string text_;
  std::string canonical_;
};

// A shop's order, every field optional as the API allows (a PSD2 brand's create requires
// amount, currency and payee: missing_psd2_term in core/psd2.hpp). An order with no field at
// all is still an order ({} was sent); "no order" is std::nullopt around it.
struct Order {
  std::optional<std::string> id;  // the shop's order id, 1..64 characters, may be in the SMS
  std::optional<Amount> amount;
  // ISO 4217 in upper case (canonical_currency); a create accepts it in upper case only, so
  // this is also the text it was sent as.
  std::optional<std::string> currency;
  std::optional<std::string> payee;  // 1..70 characters, byte for byte as sent; may be in the SMS
  bool operator==(const Order&) const = default;
};

// The order as a JSON object of strings, absent fields left out, the amount as sent: the object
// the create was sent with, so the stored 'ord' text (its dump) and the answers' "order" are
// byte for byte what they were when the record kept the request's JSON.
nlohmann::json order_to_json(const Order& order);

// An order from such an object, as the Redis edge reads a stored record (written by this version
// or an earlier one, whose 'ord' is the validated request object). nullopt when `j` is not an
// object or a field is not a string of its kind; unknown fields are ignored (a request's are
// refused at the edge before this).
std::optional<Order> order_from_json(const nlohmann::json& j);

}  // namespace otpgate
