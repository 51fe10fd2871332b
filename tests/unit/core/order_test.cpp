// The typed order (core/order.hpp) and delivery status (core/delivery_status.hpp): one validator
// per fact, a canonical form that compares as decimals, the text as sent kept for answers and
// the SMS, and JSON that is byte for byte what the record stored before the types.
#include "otpgate/core/delivery_status.hpp"
#include "otpgate/core/order.hpp"
#include "otpgate/core/psd2.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>

using namespace otpgate;
using json = nlohmann::json;

TEST_CASE("Amount::parse keeps the text as sent and its canonical decimal", "[unit][order]") {
  for (const auto& [in, canonical] : {std::pair{"49.99", "49.99"},
                                      {"049.90", "49.9"},
                                      {"100", "100"},
                                      {"100.00", "100"},
                                      {"0.0", "0"},
                                      {"000", "0"},
                                      {"999999999999.99", "999999999999.99"}}) {
    CAPTURE(in);
    const auto a = Amount::parse(in);
    REQUIRE(a.has_value());
    CHECK(a->text() == in);
    CHECK(a->canonical() == canonical);
  }
  CHECK(*Amount::parse("49.9") == *Amount::parse("049.90"));  // equal as decimals
  CHECK_FALSE(*Amount::parse("49.9") == *Amount::parse("4.99"));
}

TEST_CASE("Amount::parse refuses what the API refuses", "[unit][order]") {
  for (const char* bad : {"", "49.", ".5", "49.999", "1e3", "-1", "+1", "49,90", " 1", "1 ",
                          "1.2.3", "1234567890123", "0x10", "\xd9\xa1"}) {
    CAPTURE(bad);
    CHECK_FALSE(Amount::parse(bad).has_value());
  }
  CHECK(Amount::parse("123456789012").has_value());  // 12 digits before the dot: the most
}

TEST_CASE("an order's JSON is the object it was sent as, and reads back equal", "[unit][order]") {
  const json sent = {
      {"id", "o-1"}, {"amount", "049.90"}, {"currency", "EUR"}, {"payee", " Nordwind;Shop "}};
  const auto order = order_from_json(sent);
  REQUIRE(order.has_value());
  CHECK(order->amount->canonical() == "49.9");
  CHECK(order_to_json(*order) == sent);
  // The stored text is the dump of the request's object: keys sorted, values as sent.
  CHECK(order_to_json(*order).dump() == sent.dump());
  CHECK(order_from_json(order_to_json(*order)) == order);
  // Absent fields stay absent; {} is an order without fields, not "no order".
  const auto empty = order_from_json(json::object());
  REQUIRE(empty.has_value());
  CHECK(order_to_json(*empty).dump() == "{}");
  const auto partial = order_from_json(json{{"amount", "1"}});
  REQUIRE(partial.has_value());
  CHECK_FALSE(partial->currency.has_value());
  CHECK(order_to_json(*partial) == json{{"amount", "1"}});
}

TEST_CASE("order_from_json refuses what is not an order", "[unit][order]") {
  CHECK_FALSE(order_from_json(json()).has_value());
  CHECK_FALSE(order_from_json(json("o-1")).has_value());
  CHECK_FALSE(order_from_json(json{{"amount", 49.9}}).has_value());
  CHECK_FALSE(order_from_json(json{{"amount", "49.999"}}).has_value());
  CHECK_FALSE(order_from_json(json{{"currency", "EURO"}}).has_value());
  CHECK_FALSE(order_from_json(json{{"payee", 7}}).has_value());
  // The currency is held in upper case, whatever case it was read in.
  CHECK(order_from_json(json{{"currency", "eur"}})->currency == "EUR");
}

TEST_CASE("a typed order binds as its terms do", "[unit][order][psd2]") {
  const auto order = order_from_json(
      json{{"id", "o-1"}, {"amount", "049.90"}, {"currency", "eur"}, {"payee", "Shop"}});
  REQUIRE(order.has_value());
  CHECK(psd2_binding(*order) == psd2_binding("49.9", "EUR", "Shop"));
  CHECK(psd2_binding(*order) ==
        psd2_binding(OrderTerms{.amount = "49.90", .currency = "EUR", .payee = "Shop"}));
  Order no_payee = *order;
  no_payee.payee.reset();
  CHECK_FALSE(psd2_binding(no_payee).has_value());
  CHECK(missing_psd2_term(no_payee) == std::optional<std::string_view>("payee"));
  CHECK_FALSE(missing_psd2_term(order).has_value());
}

TEST_CASE("delivery statuses round trip through their names", "[unit][order][delivery]") {
  const std::pair<DeliveryStatus, const char*> all[] = {
      {DeliveryStatus::queued, "queued"},
      {DeliveryStatus::accepted, "accepted"},
      {DeliveryStatus::delivered, "delivered"},
      {DeliveryStatus::undelivered, "undelivered"},
      {DeliveryStatus::failed, "failed"}};
  for (const auto& [status, name] : all) {
    CAPTURE(name);
    CHECK(to_string(status) == name);
    CHECK(delivery_status_from_string(name) == status);
  }
  for (const char* bad : {"", "Delivered", "sent", "queued "}) {
    CAPTURE(bad);
    CHECK_FALSE(delivery_status_from_string(bad).has_value());
  }
}
