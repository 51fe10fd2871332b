// Request validation (api/requests.hpp): every 400 and 415 decided before any I/O, each with the
// error body {"status","code","message"} and, for 400, the field at fault.
#include "otpgate/api/requests.hpp"
#include "otpgate/core/idempotency.hpp"
#include "otpgate/core/psd2.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace otpgate;
using namespace otpgate::api;
using json = nlohmann::json;

namespace {

http::Request post(std::string body, std::string content_type = "application/json") {
  http::Request r;
  r.method = "POST";
  r.target = r.path = "/v1/verifications";
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

// Checks that p holds an error response with this status (and for 400, this field).
template <class T>
void expect_error(const Parsed<T>& p, unsigned status, const std::string& field) {
  const auto* r = std::get_if<http::Response>(&p);
  REQUIRE(r != nullptr);
  CHECK(r->status == status);
  const json body = json::parse(r->body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body.value("status", 0U) == status);
  CHECK(body.contains("code"));
  CHECK(body["code"].is_string());
  CHECK(body.contains("message"));
  CHECK(body["message"].is_string());
  if (status == 400) {
    CHECK(body.value("code", "") == "INVALID_ARGUMENT");
    CHECK(body.value("field", "") == field);
  }
  if (status == 415) CHECK(body.value("code", "") == "UNSUPPORTED_MEDIA_TYPE");
}

json phone() {
  return {{"phone_number", "+4915112345678"}};
}

json with(json base, const std::string& key, json value) {
  base[key] = std::move(value);
  return base;
}

json with_order(json order) {
  return with(phone(), "order", std::move(order));
}

}  // namespace

TEST_CASE("parse_json_object checks the content type", "[unit][requests]") {
  expect_error(parse_json_object(post("{}", ""), false), 415, "");
  expect_error(parse_json_object(post("{}", "text/plain"), false), 415, "");
  expect_error(parse_json_object(post("{}", "application/json-patch+json"), false), 415, "");
  expect_error(parse_json_object(post("{}", "application/x-www-form-urlencoded"), true), 415, "");
  for (const char* ok :
       {"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"}) {
    CAPTURE(ok);
    const auto p = parse_json_object(post(R"({"a":1})", ok), false);
    REQUIRE(std::holds_alternative<json>(p));
    CHECK(std::get<json>(p) == json{{"a", 1}});
  }
}

TEST_CASE("parse_json_object wants one JSON object", "[unit][requests]") {
  expect_error(parse_json_object(post("{\"a\":"), false), 400, "body");
  expect_error(parse_json_object(post("{} {}"), false), 400, "body");
  expect_error(parse_json_object(post("[1,2]"), false), 400, "body");
  expect_error(parse_json_object(post("\"text\""), false), 400, "body");
  expect_error(parse_json_object(post("null"), false), 400, "body");
}

TEST_CASE("an empty body is an empty object only when allowed", "[unit][requests]") {
  const auto allowed = parse_json_object(post("", ""), true);
  REQUIRE(std::holds_alternative<json>(allowed));
  CHECK(std::get<json>(allowed) == json::object());
  expect_error(parse_json_object(post(""), false), 400, "body");
  expect_error(parse_json_object(post("", ""), false), 415, "");
}

TEST_CASE("parse_create accepts a full request", "[unit][requests]") {
  const json body = {
      {"phone_number", "+4915112345678"},
      {"locale", "de-AT"},
      {"brand", "nordwind"},
      {"client_ip", "2001:db8::1"},
      {"order",
       {{"id", "A-1"}, {"amount", "49.99"}, {"currency", "EUR"}, {"payee", "Nordwind Shop"}}},
      {"metadata", {{"cart", "42"}}}};
  const auto p = parse_create(body);
  REQUIRE(std::holds_alternative<CreateRequest>(p));
  const auto& c = std::get<CreateRequest>(p);
  CHECK(c.phone_number == "+4915112345678");
  CHECK(c.locale == "de-AT");
  CHECK(c.brand == "nordwind");
  CHECK(c.client_ip == "2001:db8::1");
  REQUIRE(c.order.has_value());
  CHECK(order_to_json(*c.order) == body["order"]);
  CHECK(c.metadata == body["metadata"]);

  const auto bare = parse_create(phone());
  REQUIRE(std::holds_alternative<CreateRequest>(bare));
  CHECK_FALSE(std::get<CreateRequest>(bare).order.has_value());
  CHECK(std::get<CreateRequest>(bare).locale.empty());
}

TEST_CASE("parse_create names the field at fault", "[unit][requests]") {
  expect_error(parse_create(json::object()), 400, "phone_number");
  expect_error(parse_create({{"locale", "de"}}), 400, "phone_number");
  expect_error(parse_create({{"phone_number", 4915112345678}}), 400, "phone_number");
  expect_error(parse_create({{"phone_number", ""}}), 400, "phone_number");
  expect_error(parse_create({{"phone_number", std::string(17, '1')}}), 400, "phone_number");
  expect_error(parse_create(with(phone(), "phone", "+49")), 400, "phone");
  expect_error(parse_create(with(phone(), "locale", "de_AT")), 400, "locale");
  expect_error(parse_create(with(phone(), "locale", 7)), 400, "locale");
  expect_error(parse_create(with(phone(), "locale", "")), 400, "locale");
  expect_error(parse_create(with(phone(), "brand", json::array())), 400, "brand");
  expect_error(parse_create(with(phone(), "client_ip", "999.1.1.1")), 400, "client_ip");
  expect_error(parse_create(with(phone(), "client_ip", "localhost")), 400, "client_ip");
  CHECK(std::holds_alternative<CreateRequest>(
      parse_create(with(phone(), "client_ip", "203.0.113.7"))));
}

TEST_CASE("parse_create: purpose and reason", "[unit][requests][support_call]") {
  const json call = with(with(phone(), "purpose", "support_call"), "reason", "inbound call");
  const auto ok = parse_create(call);
  REQUIRE(std::holds_alternative<CreateRequest>(ok));
  CHECK(std::get<CreateRequest>(ok).purpose == Purpose::support_call);
  CHECK(std::get<CreateRequest>(ok).reason == "inbound call");
  const auto plain = parse_create(phone());
  REQUIRE(std::holds_alternative<CreateRequest>(plain));
  CHECK(std::get<CreateRequest>(plain).purpose == Purpose::checkout);
  CHECK(std::holds_alternative<CreateRequest>(parse_create(with(phone(), "purpose", "checkout"))));

  expect_error(parse_create(with(phone(), "purpose", "support_call")), 400, "reason");
  expect_error(parse_create(with(call, "reason", "")), 400, "reason");
  expect_error(parse_create(with(call, "reason", 7)), 400, "reason");
  expect_error(parse_create(with(call, "reason", "a\u202eb")), 400, "reason");
  expect_error(parse_create(with(call, "reason", std::string(501, 'r'))), 400, "reason");
  CHECK(std::holds_alternative<CreateRequest>(
      parse_create(with(call, "reason", std::string(500, 'r')))));
  expect_error(parse_create(with(call, "order", {{"amount", "1.00"}})), 400, "order");
  expect_error(parse_create(with(phone(), "reason", "why")), 400, "reason");
  expect_error(parse_create(with(phone(), "purpose", "login")), 400, "purpose");
  expect_error(parse_create(with(phone(), "purpose", json::array())), 400, "purpose");
}

TEST_CASE("order amounts are decimal strings with at most two places", "[unit][requests]") {
  for (const char* ok : {"49.99", "100", "0.5", "0"}) {
    CAPTURE(ok);
    CHECK(std::holds_alternative<CreateRequest>(parse_create(with_order({{"amount", ok}}))));
  }
  for (const json& bad : {json("49.999"), json("-1"), json(49.99), json("49."), json(".99"),
                          json("1e3"), json(""), json("4 9"), json("1234567890123")}) {
    INFO(bad.dump());
    expect_error(parse_create(with_order({{"amount", bad}})), 400, "order.amount");
  }
}

TEST_CASE("order currency, shape and metadata limits", "[unit][requests]") {
  // Only the length and type checks: the letter check is the bug tested below.
  for (const json& bad : {json("EURO"), json("EU"), json(""), json(978)}) {
    INFO(bad.dump());
    expect_error(parse_create(with_order({{"currency", bad}})), 400, "order.currency");
  }
  expect_error(parse_create(with_order("A-1")), 400, "order");

  json ten = json::object();
  for (int i = 0; i < 10; ++i) ten["k" + std::to_string(i)] = "v";
  CHECK(std::holds_alternative<CreateRequest>(parse_create(with(phone(), "metadata", ten))));
  json eleven = ten;
  eleven["k10"] = "v";
  expect_error(parse_create(with(phone(), "metadata", eleven)), 400, "metadata");
  expect_error(parse_create(with(phone(), "metadata", {{"n", 1}})), 400, "metadata");
  expect_error(parse_create(with(phone(), "metadata", {{std::string(41, 'k'), "v"}})), 400,
               "metadata");
  expect_error(parse_create(with(phone(), "metadata", {{"k", std::string(257, 'v')}})), 400,
               "metadata");
  expect_error(parse_create(with(phone(), "metadata", "x")), 400, "metadata");
}

// Regression (was a bug): the currency letter check runs std::all_of from begin() of one
// temporary std::string to end() of another (c.get<std::string>() called twice): undefined
// behaviour. At -O0 any 3-character currency passes ("eur", "e1r"); at -O2 even "EUR" is refused.
TEST_CASE("order.currency must be three upper-case letters", "[unit][requests]") {
  CHECK(std::holds_alternative<CreateRequest>(parse_create(with_order({{"currency", "EUR"}}))));
  for (const char* bad : {"eur", "Eur", "E1R", "EU "}) {
    CAPTURE(bad);
    expect_error(parse_create(with_order({{"currency", bad}})), 400, "order.currency");
  }
}

// Regression (was a bug): errors inside "order" other than amount and currency name the bare key
// ("id", "payee", "foo") instead of "order.id", so a client cannot tell them from top-level fields.
TEST_CASE("errors inside order name order.<field>", "[unit][requests]") {
  expect_error(parse_create(with_order({{"id", ""}})), 400, "order.id");
  expect_error(parse_create(with_order({{"payee", std::string(71, 'p')}})), 400, "order.payee");
  expect_error(parse_create(with_order({{"foo", 1}})), 400, "order.foo");
}

// Payee and order id are rendered into the SMS: a line break would let a caller add a line (a
// second WebOTP line), a direction mark would reorder the text on the phone.
TEST_CASE("payee and order id are one line without control or direction characters",
          "[unit][requests]") {
  for (const std::string bad : {"Shop\n@evil.example #123456", "Shop\r", "Sh\top", "Shop\x1b[31m",
                                "Shop \u202Egnp.exe", "Shop\u200F"}) {
    CAPTURE(bad);
    expect_error(parse_create(with_order({{"payee", bad}})), 400, "order.payee");
    expect_error(parse_create(with_order({{"id", bad}})), 400, "order.id");
  }
  for (const std::string ok : {"Nordwind Shop", "Café Ørsted", "ООО Ромашка", "Shop #1 @ Main"}) {
    CAPTURE(ok);
    CHECK(std::holds_alternative<CreateRequest>(parse_create(with_order({{"payee", ok}}))));
  }
}

TEST_CASE("parse_check wants 4 to 10 letters or digits", "[unit][requests]") {
  for (const char* ok : {"123456", "ab12CD", "1234", "1234567890"}) {
    CAPTURE(ok);
    const auto p = parse_check({{"code", ok}});
    REQUIRE(std::holds_alternative<CheckRequest>(p));
    CHECK(std::get<CheckRequest>(p).code == ok);
  }
  expect_error(parse_check(json::object()), 400, "code");
  expect_error(parse_check({{"code", 123456}}), 400, "code");
  expect_error(parse_check({{"code", nullptr}}), 400, "code");
  for (const char* bad :
       {"123", "12345678901", "12 34", "1234'--", "", "12345\n", "\uFF11\uFF12\uFF13\uFF14"}) {
    CAPTURE(bad);
    expect_error(parse_check({{"code", bad}}), 400, "code");
  }
  expect_error(parse_check({{"code", "123456"}, {"phone_number", "+49"}}), 400, "phone_number");
}

TEST_CASE("resend and cancel bodies carry no fields", "[unit][requests]") {
  CHECK_FALSE(reject_fields(json::object()).has_value());
  const auto r = reject_fields({{"force", true}});
  REQUIRE(r.has_value());
  expect_error(Parsed<json>(*r), 400, "force");
}

TEST_CASE("valid_idempotency_key: 1 to 255 visible ASCII characters", "[unit][requests]") {
  CHECK(valid_idempotency_key("a"));
  CHECK(valid_idempotency_key("order-42:retry/1"));
  CHECK(valid_idempotency_key(std::string(255, 'k')));
  CHECK_FALSE(valid_idempotency_key(""));
  CHECK_FALSE(valid_idempotency_key(std::string(256, 'k')));
  CHECK_FALSE(valid_idempotency_key("two words"));
  CHECK_FALSE(valid_idempotency_key("tab\there"));
  CHECK_FALSE(valid_idempotency_key("del\x7f"));
  CHECK_FALSE(valid_idempotency_key("k\xc3\xa4y"));
}

TEST_CASE("parse_check takes an optional order to check the code against", "[unit][requests]") {
  const auto bare = parse_check({{"code", "123456"}});
  REQUIRE(std::holds_alternative<CheckRequest>(bare));
  CHECK(std::get<CheckRequest>(bare).order.amount.empty());
  CHECK(std::get<CheckRequest>(bare).order.currency.empty());
  CHECK(std::get<CheckRequest>(bare).order.payee.empty());

  // The same order object the shop created with, id included (ignored).
  const json body = {
      {"code", "123456"},
      {"order",
       {{"id", "A-1"}, {"amount", "49.90"}, {"currency", "EUR"}, {"payee", " Nordwind;Shop "}}}};
  const auto p = parse_check(body);
  REQUIRE(std::holds_alternative<CheckRequest>(p));
  const auto& c = std::get<CheckRequest>(p);
  CHECK(c.code == "123456");
  CHECK(c.order.amount == "49.90");
  CHECK(c.order.currency == "EUR");
  CHECK(c.order.payee == " Nordwind;Shop ");  // as sent, byte for byte

  // A partial order is allowed: it simply cannot match a bound verification.
  const auto partial = parse_check({{"code", "123456"}, {"order", {{"amount", "1"}}}});
  REQUIRE(std::holds_alternative<CheckRequest>(partial));
  CHECK(std::get<CheckRequest>(partial).order.amount == "1");
  CHECK(std::get<CheckRequest>(partial).order.payee.empty());
}

TEST_CASE("a check's order is validated like a create's", "[unit][requests]") {
  const auto check_with = [](json order) { return json{{"code", "123456"}, {"order", order}}; };
  expect_error(parse_check(check_with({{"amount", "1"}, {"tip", "2"}})), 400, "order.tip");
  expect_error(parse_check(check_with({{"amount", "49.999"}})), 400, "order.amount");
  expect_error(parse_check(check_with({{"amount", 49.9}})), 400, "order.amount");
  expect_error(parse_check(check_with({{"currency", "EURO"}})), 400, "order.currency");
  expect_error(parse_check(check_with({{"currency", "E1R"}})), 400, "order.currency");
  expect_error(parse_check(check_with({{"payee", ""}})), 400, "order.payee");
  expect_error(parse_check(check_with({{"payee", std::string(71, 'p')}})), 400, "order.payee");
  expect_error(parse_check(check_with("A-1")), 400, "order");
  // The binding compares the currency in upper case, so a check may send it in lower case.
  const auto lower = parse_check(check_with({{"currency", "eur"}}));
  REQUIRE(std::holds_alternative<CheckRequest>(lower));
  CHECK(std::get<CheckRequest>(lower).order.currency == "eur");
  // The code is still validated with an order present.
  expect_error(parse_check({{"code", "12"}, {"order", {{"amount", "1"}}}}), 400, "code");
}

TEST_CASE("a PSD2 brand's create needs amount, currency and payee", "[unit][requests]") {
  const json full = {{"amount", "49.90"}, {"currency", "EUR"}, {"payee", "Shop"}};
  CHECK_FALSE(missing_psd2_term(order_from_json(full)).has_value());
  for (const char* field : {"amount", "currency", "payee"}) {
    json order = full;
    order.erase(field);
    CAPTURE(field);
    CHECK(missing_psd2_term(order_from_json(order)) == std::optional<std::string_view>(field));
  }
  CHECK(missing_psd2_term(std::nullopt) == std::optional<std::string_view>("amount"));  // none
  CHECK(missing_psd2_term(order_from_json(json{{"id", "A-1"}, {"amount", "1"}})) ==
        std::optional<std::string_view>("currency"));
}
