// Rate limits and line types on the real binary: the limits hold exactly under parallel creates,
// count resends, and answer 429 TOO_MANY_REQUESTS with Retry-After, naming the limit in words
// but never the number or the IP; non-mobile numbers are refused.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"

#include <thread>

using namespace otpgate::test;

namespace {

std::string brand_json(const std::string& limits, const std::string& code = "{}") {
  return R"({"display_name":"Limits","sender_id":"Limits","locales":["en"],"default_locale":"en",
    "allowed_countries":["DE","AT"],"gateways":["file"],"code":)" +
         code + R"(,"limits":)" + limits + "}";
}

}  // namespace

TEST_CASE("100 parallel creates to one number: exactly the phone limit is sent",
          "[e2e][rate_limit][race]") {
  OtpgateProcess p;
  const std::string phone = fresh_phone();
  const auto answers = in_parallel(100, [&] { return start_verification(p, phone); });
  int created = 0, limited = 0;
  for (const auto& r : answers) {
    if (r.status == 201) ++created;
    if (r.status == 429 && r.json().value("code", "") == "TOO_MANY_REQUESTS") {
      ++limited;
      require_limited(r, "phone", 120);  // nordwind: 5 per 10 minutes, one more every 120 s
      CHECK(r.json()["message"].get<std::string>().find("phone number") != std::string::npos);
      CHECK(r.body.find(phone) == std::string::npos);
      CHECK(r.body.find(phone.substr(1)) == std::string::npos);
    }
  }
  // Creates have no cooldown between verifications and nothing locks the phone, so the phone
  // limit (5 sends per 10 minutes) is the only cap.
  CHECK(created == 5);
  CHECK(limited == 95);
  CHECK(sms_to(p, phone) == 5);
}

TEST_CASE("a resend counts toward the phone limit", "[e2e][rate_limit]") {
  TempBrands brands;
  const std::string brand = unique_brand("rl-resend");
  brands.add(brand, brand_json(R"({"phone_sends_per_10_minutes":2})",
                               R"({"max_sends":5,"resend_cooldown_seconds":0})"));
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const std::string phone = fresh_phone();
  const auto created = create_as(p, brands.key("shop"), {{"phone_number", phone}});
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string resend_url = p.base_url() + "/v1/verifications/" + id + "/resend";
  REQUIRE(http_request("POST", resend_url, {bearer(brands.key("shop"))}).status == 200);
  // The second send used the limit: the verification still has sends left, the phone does not.
  const auto third = http_request("POST", resend_url, {bearer(brands.key("shop"))});
  require_limited(third, "phone", 300);
  CHECK(third.body.find(phone) == std::string::npos);
  require_limited(create_as(p, brands.key("shop"), {{"phone_number", phone}}), "phone", 300);
  CHECK(sms_to(p, phone) == 2);
  // The limit is per phone: another number is fine.
  CHECK(create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}}).status == 201);
  // A refused resend changed nothing: the verification has used 2 of its 5 sends.
  const auto after =
      http_get(p.base_url() + "/v1/verifications/" + id, {bearer(brands.key("shop"))});
  CHECK(after.json()["sends_left"] == 3);
}

TEST_CASE("the IP limit counts creates per client_ip, never storing the IP", "[e2e][rate_limit]") {
  TempBrands brands;
  const std::string brand = unique_brand("rl-ip");
  brands.add(brand, brand_json(R"({"ip_creates_per_hour":3})"));
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const unsigned pid = static_cast<unsigned>(::getpid());
  const std::string ip =
      "198.51." + std::to_string(pid % 250) + "." + std::to_string(pid / 250 % 250);
  for (int i = 0; i < 3; ++i) {
    INFO(i);
    CHECK(create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}, {"client_ip", ip}})
              .status == 201);
  }
  const auto fourth =
      create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}, {"client_ip", ip}});
  require_limited(fourth, "ip", 1200);  // 3 per hour: one more every 20 minutes
  CHECK(fourth.json()["message"].get<std::string>().find("client IP") != std::string::npos);
  CHECK(fourth.body.find(ip) == std::string::npos);
  // Another IP, and a create without client_ip, are not affected.
  CHECK(create_as(p, brands.key("shop"),
                  {{"phone_number", fresh_phone()}, {"client_ip", "2001:db8::7"}})
            .status == 201);
  CHECK(create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}}).status == 201);
  const std::string keys = redis_cli(shared_redis_port(), {"KEYS", "otp:*:rl:*"});
  CHECK(keys.find(ip) == std::string::npos);
  CHECK(keys.find("2001:db8") == std::string::npos);
}

TEST_CASE("the IP limit counts a client once, however its address is spelled",
          "[e2e][rate_limit]") {
  TempBrands brands;
  const std::string brand = unique_brand("rl-ip6");
  brands.add(brand, brand_json(R"({"ip_creates_per_hour":2})"));
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const auto create_from = [&](const std::string& ip) {
    return create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}, {"client_ip", ip}});
  };
  REQUIRE(create_from("2001:db8::1").status == 201);
  REQUIRE(create_from("2001:DB8:0:0:0:0:0:1").status == 201);
  for (const std::string spelling : {"2001:db8::1", "2001:0db8::0001", "2001:db8:0::1"})
    require_limited(create_from(spelling), "ip", 3600);
  // An IPv4 address mapped into IPv6 is that IPv4 client.
  REQUIRE(create_from("192.0.2.7").status == 201);
  REQUIRE(create_from("::ffff:192.0.2.7").status == 201);
  require_limited(create_from("192.0.2.7"), "ip", 3600);
}

TEST_CASE("the brand limit caps the brand's sends and records an event", "[e2e][rate_limit]") {
  TempBrands brands;
  const std::string brand = unique_brand("rl-brand");
  brands.add(brand, brand_json(R"({"brand_sends_per_minute":3})"));
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const auto answers = in_parallel(10, [&] {
    return create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}});
  });
  int created = 0;
  for (const auto& r : answers)
    if (r.status == 201)
      ++created;
    else
      require_limited(r, "brand", 20);  // 3 per minute: one more every 20 s
  CHECK(created == 3);
  CHECK(p.outbox_lines().size() == 3);
  std::string events;
  for (int i = 0; i < 50 && events.find("rate_limited") == std::string::npos; ++i) {
    events =
        redis_cli(shared_redis_port(), {"XRANGE", "otp:{brand:" + brand + "}:events", "-", "+"});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(events.find("rate_limited") != std::string::npos);
  CHECK(events.find("limit\nbrand") != std::string::npos);
}

TEST_CASE("the prefix limit caps sends to one number range only", "[e2e][rate_limit]") {
  TempBrands brands;
  const std::string brand = unique_brand("rl-prefix");
  brands.add(brand, brand_json(R"({"prefix_sends_per_hour":2,"prefix_digits":3})"));
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  // fresh_phone() numbers are all +49151...: one prefix.
  CHECK(create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}}).status == 201);
  CHECK(create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}}).status == 201);
  const auto third = create_as(p, brands.key("shop"), {{"phone_number", fresh_phone()}});
  require_limited(third, "prefix", 1800);  // 2 per hour: one more every 30 minutes
  CHECK(third.json()["message"].get<std::string>().find("number range") != std::string::npos);
  CHECK(third.body.find("+49151") == std::string::npos);
  // +49170...: another prefix of the same country.
  const std::string other = "+49170" + fresh_phone().substr(6);
  CHECK(create_as(p, brands.key("shop"), {{"phone_number", other}}).status == 201);
}

TEST_CASE("non-mobile numbers are refused with PHONE_NUMBER_NOT_ALLOWED", "[e2e][line_type]") {
  OtpgateProcess p;
  // A Berlin fixed line (valid for libphonenumber, line type fixed_line).
  const auto berlin = start_verification(p, "+493012345678");
  INFO(berlin.body);
  CHECK(berlin.status == 403);
  CHECK(berlin.json()["code"] == "PHONE_NUMBER_NOT_ALLOWED");
  CHECK(berlin.json()["message"].get<std::string>().find("mobile") != std::string::npos);
  // Vienna fixed line: Austria is allowed for nordwind, the line type is not.
  const auto vienna = start_verification(p, "+4315123456");
  INFO(vienna.body);
  CHECK(vienna.status == 403);
  CHECK(vienna.json()["code"] == "PHONE_NUMBER_NOT_ALLOWED");
  // German toll-free (0800): an "other" line type.
  const auto toll_free = start_verification(p, "+498001234567");
  INFO(toll_free.body);
  CHECK(toll_free.status == 403);
  // An Austrian mobile passes.
  const unsigned pid = static_cast<unsigned>(::getpid());
  const std::string austria = "+43664" + std::to_string(1000000 + pid % 8999999);
  const auto mobile = start_verification(p, austria);
  INFO(mobile.body);
  CHECK(mobile.status == 201);
  CHECK(p.outbox_lines().size() == 1);
}

TEST_CASE("an idempotent replay answers even when the limit is used up, and costs nothing",
          "[e2e][rate_limit][idempotency]") {
  TempBrands brands;
  const std::string brand = unique_brand("rl-idem");
  brands.add(brand, brand_json(R"({"phone_sends_per_10_minutes":1})"));
  brands.add_key("shop", brand, "shop");
  OtpgateProcess p(brands.options());
  const std::string phone = fresh_phone();
  const nlohmann::json body = {{"phone_number", phone}};
  const Headers with_key = {bearer(brands.key("shop")), {"Idempotency-Key", "order-77"}};
  const auto first = http_post_json(p.base_url() + "/v1/verifications", body, with_key);
  REQUIRE(first.status == 201);
  // The shop's retry after a timeout: the first answer again, not 429 (the one send allowed in
  // 10 minutes was this very request's).
  for (int i = 0; i < 3; ++i) {
    const auto again = http_post_json(p.base_url() + "/v1/verifications", body, with_key);
    INFO(again.body);
    CHECK(again.status == 200);
    CHECK(again.header("idempotent-replayed") == "true");
    CHECK(again.json()["id"] == first.json()["id"]);
  }
  CHECK(sms_to(p, phone) == 1);
  // A new request for the phone is still limited.
  require_limited(create_as(p, brands.key("shop"), body), "phone", 600);
}
