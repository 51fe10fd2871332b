#include "otpgate/core/strict_json.hpp"

#include <catch2/catch.hpp>

using otpgate::parse_strict_json;

TEST_CASE("strict JSON: a key twice in one object is refused, naming the key", "[unit][json]") {
  const auto top = parse_strict_json(R"({"phone_number":"+4915112345020","phone_number":"x"})");
  CHECK(top.value.is_discarded());
  CHECK(top.duplicate_key == "phone_number");
  const auto empty = parse_strict_json(R"({"":"x","":"y"})");
  CHECK(empty.value.is_discarded());
  CHECK(empty.duplicate_key == "");
  const auto nested = parse_strict_json(R"({"order":{"amount":"1.00","amount":"9.00"}})");
  CHECK(nested.value.is_discarded());
  CHECK(nested.duplicate_key == "order.amount");
  const auto in_array = parse_strict_json(R"({"a":[{"k":1},{"k":2,"k":3}]})");
  CHECK(in_array.duplicate_key == "a.k");
}

TEST_CASE("strict JSON: the same key in sibling objects is no duplicate", "[unit][json]") {
  const auto r = parse_strict_json(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}],"k":0})");
  REQUIRE_FALSE(r.value.is_discarded());
  CHECK_FALSE(r.duplicate_key.has_value());
  CHECK(r.value["b"]["k"] == 2);
  CHECK(r.value["k"] == 0);
}

TEST_CASE("strict JSON: text that is not JSON is discarded without a key", "[unit][json]") {
  const auto r = parse_strict_json(R"({"a":)");
  CHECK(r.value.is_discarded());
  CHECK_FALSE(r.duplicate_key.has_value());
}
