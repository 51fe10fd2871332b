#include "e2e_helpers.hpp"

using namespace otpgate::test;

TEST_CASE("a checkout flow: start, read the SMS, check the code", "[e2e][flow]") {
  OtpgateProcess p;
  const std::string phone = fresh_phone();
  const auto created = start_verification(p, phone);
  REQUIRE(created.status == 201);
  const auto v = created.json();
  CHECK(v["status"] == "pending");
  CHECK(v["brand"] == "nordwind");
  CHECK(v["locale"] == "de");
  CHECK(v["attempts_left"] == 5);
  CHECK(v["sends_left"] == 2);
  CHECK(v["delivery"]["status"] == "accepted");
  CHECK(v["delivery"]["gateway"] == "file");
  CHECK(v["phone_number"] == phone.substr(0, 6) + "*****" + phone.substr(phone.size() - 3));
  CHECK(created.body.find(phone) == std::string::npos);
  CHECK(!created.header("x-correlator").empty());

  const std::string id = v["id"];
  const auto sms = p.outbox_lines();
  REQUIRE(sms.size() == 1);
  CHECK(sms[0]["to"] == phone);
  CHECK(sms[0]["brand"] == "nordwind");
  CHECK(sms[0]["gateway"] == "file");
  const std::string code = code_from_outbox(p, id);
  REQUIRE(code.size() == 6);
  CHECK(created.body.find(code) == std::string::npos);

  const auto checked = check_code(p, id, code);
  REQUIRE(checked.status == 200);
  CHECK(checked.json()["status"] == "approved");

  // A code is accepted once.
  const auto again = check_code(p, id, code);
  CHECK(again.status == 409);
  CHECK(again.json()["code"] == "VERIFICATION_NOT_PENDING");

  const auto got = http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  REQUIRE(got.status == 200);
  CHECK(got.json()["status"] == "approved");
  // Neither the code nor the raw number ever reaches the log.
  CHECK(p.log_text().find(code) == std::string::npos);
  CHECK(p.log_text().find(phone) == std::string::npos);
}
