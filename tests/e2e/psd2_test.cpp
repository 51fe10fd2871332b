// PSD2 dynamic linking on the real binary: a brand with psd2_dynamic_linking needs an order with
// amount, currency and payee, its SMS shows them, and a check whose order differs in any of them
// is a wrong code, answered exactly as one (nothing says the order was the problem).
#include "e2e_helpers.hpp"

#include <string>

using namespace otpgate::test;
using nlohmann::json;

namespace {

// "paynow": a PSD2 brand whose English and German texts show the amount and the payee.
struct Psd2World {
  TempBrands brands;
  std::optional<OtpgateProcess> p;

  Psd2World() {
    brands.add("paynow", R"({"display_name":"PayNow","sender_id":"PayNow","locales":["en","de"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
      "code":{"length":6,"alphabet":"digits","max_attempts":5},
      "psd2_dynamic_linking":true})");
    brands.add_template("paynow", "en",
                        "Approve {{amount}} to {{payee}} with code {{code}}. Never share it.");
    brands.add_template("paynow", "de",
                        "Zahlung {{amount}} an {{payee}}: Code {{code}}. Niemals weitergeben.");
    brands.add_key("paynow-shop", "paynow", "shop");
    p.emplace(brands.options());
  }

  HttpResponse create(const json& body) {
    return http_post_json(p->base_url() + "/v1/verifications", body,
                          {bearer(brands.key("paynow-shop"))});
  }
  HttpResponse check(const std::string& id, const json& body) {
    return http_post_json(p->base_url() + "/v1/verifications/" + id + "/check", body,
                          {bearer(brands.key("paynow-shop"))});
  }
  // The newest SMS text for the verification.
  std::string sms_text(const std::string& id) {
    std::string text;
    for (const auto& line : p->outbox_lines())
      if (line.value("verification_id", "") == id) text = line.value("text", "");
    return text;
  }
};

const json order = {
    {"id", "o-77"}, {"amount", "49.90"}, {"currency", "EUR"}, {"payee", "Nordwind Shop"}};

json with_field(json o, const std::string& key, const std::string& value) {
  o[key] = value;
  return o;
}

// The error body says nothing about which part of the check was wrong.
void expect_plain_wrong_code(const HttpResponse& r, int attempts_left) {
  CHECK(r.status == 422);
  const json body = r.json();
  CHECK(body["code"] == "CODE_INVALID");
  CHECK(body["attempts_left"] == attempts_left);
  CHECK(body["verification"]["attempts_left"] == attempts_left);
  const std::string message = body.value("message", "");
  for (const char* word : {"amount", "payee", "currency", "order", "Amount", "Payee", "Order"})
    CHECK(message.find(word) == std::string::npos);
  CHECK(!body.contains("field"));
}

}  // namespace

TEST_CASE("a PSD2 brand refuses a create without the order's amount, currency or payee",
          "[e2e][psd2]") {
  Psd2World w;
  const std::string phone = fresh_phone();
  for (const char* field : {"payee", "amount", "currency"}) {
    CAPTURE(field);
    json o = order;
    o.erase(field);
    const auto r = w.create({{"phone_number", phone}, {"order", o}});
    CHECK(r.status == 400);
    const json body = r.json();
    CHECK(body["code"] == "INVALID_ARGUMENT");
    CHECK(body["field"] == std::string("order.") + field);
    CHECK(body.value("message", "").find("PSD2 dynamic linking") != std::string::npos);
  }
  const auto bare = w.create({{"phone_number", phone}});
  CHECK(bare.status == 400);
  CHECK(bare.json()["field"] == "order.amount");
  CHECK(w.p->outbox_lines().empty());  // no SMS for any of them
}

TEST_CASE("a PSD2 code is accepted only with the order it was issued for", "[e2e][psd2]") {
  Psd2World w;
  const auto created = w.create({{"phone_number", fresh_phone()}, {"order", order}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  CHECK(created.json()["attempts_left"] == 5);

  // The SMS shows the amount formatted for its locale and the payee.
  const std::string text = w.sms_text(id);
  CHECK(text.find("Approve €49.90 to Nordwind Shop with code ") == 0);
  const std::string code = code_from_outbox(*w.p, id);
  REQUIRE(code.size() == 6);

  // The right code with another amount: a wrong code, one attempt used.
  const auto other_amount =
      w.check(id, {{"code", code}, {"order", with_field(order, "amount", "49.91")}});
  expect_plain_wrong_code(other_amount, 4);
  // Another payee (one trailing space): likewise.
  const auto other_payee =
      w.check(id, {{"code", code}, {"order", with_field(order, "payee", "Nordwind Shop ")}});
  expect_plain_wrong_code(other_payee, 3);
  // No order at all: likewise.
  const auto no_order = w.check(id, {{"code", code}});
  expect_plain_wrong_code(no_order, 2);
  // A wrong code with the right order reads exactly the same.
  const std::string wrong = code == "000000" ? "111111" : "000000";
  const auto wrong_code = w.check(id, {{"code", wrong}, {"order", order}});
  expect_plain_wrong_code(wrong_code, 1);
  CHECK(json::parse(wrong_code.body)["message"] == json::parse(other_amount.body)["message"]);

  // The right code with the same order (id included, 49.9 == 49.90): approved.
  const auto ok = w.check(id, {{"code", code}, {"order", with_field(order, "amount", "49.9")}});
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["status"] == "approved");
}

TEST_CASE("a PSD2 check's order is compared as money, not as text", "[e2e][psd2]") {
  Psd2World w;
  const auto created = w.create({{"phone_number", fresh_phone()},
                                 {"locale", "de"},
                                 {"order", with_field(order, "amount", "49.9")}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  CHECK(created.json()["locale"] == "de");
  CHECK(w.sms_text(id).find("Zahlung 49,90 € an Nordwind Shop: Code ") == 0);
  const std::string code = code_from_outbox(*w.p, id);
  REQUIRE(code.size() == 6);
  // Created with "49.9", checked with "049.90" and the currency in lower case.
  json same = with_field(order, "amount", "049.90");
  same["currency"] = "eur";
  same.erase("id");
  const auto ok = w.check(id, {{"code", code}, {"order", same}});
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["status"] == "approved");
}

TEST_CASE("a PSD2 check with a malformed order is a 400 and costs no attempt", "[e2e][psd2]") {
  Psd2World w;
  const auto created = w.create({{"phone_number", fresh_phone()}, {"order", order}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(*w.p, id);
  json extra = order;
  extra["tip"] = "1.00";
  const auto unknown = w.check(id, {{"code", code}, {"order", extra}});
  CHECK(unknown.status == 400);
  CHECK(unknown.json()["field"] == "order.tip");
  const auto got =
      http_get(w.p->base_url() + "/v1/verifications/" + id, {bearer(w.brands.key("paynow-shop"))});
  REQUIRE(got.status == 200);
  CHECK(got.json()["attempts_left"] == 5);
}

TEST_CASE("a brand without PSD2 linking ignores the order in a check", "[e2e][psd2]") {
  OtpgateProcess p;  // the demo brands: nordwind does not bind codes
  const auto created =
      http_post_json(p.base_url() + "/v1/verifications",
                     {{"phone_number", fresh_phone()}, {"order", order}}, {bearer(shop_key())});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = code_from_outbox(p, id);
  const auto ok =
      http_post_json(p.base_url() + "/v1/verifications/" + id + "/check",
                     {{"code", code}, {"order", with_field(order, "payee", "Someone Else")}},
                     {bearer(shop_key())});
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["status"] == "approved");
}
