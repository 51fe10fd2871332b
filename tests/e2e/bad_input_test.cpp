// Hostile and malformed input on the real binary: each gets a 4xx with the documented error body,
// and the server keeps serving afterwards.
#include "e2e_helpers.hpp"

#include <thread>

using namespace otpgate::test;

namespace {

HttpResponse post_raw(const OtpgateProcess& p, const std::string& path, const std::string& body,
                      const std::string& content_type = "application/json") {
  return http_request("POST", p.base_url() + path,
                      {bearer(shop_key()), {"Content-Type", content_type}}, body);
}

}  // namespace

TEST_CASE("malformed create requests get 400 naming the field", "[e2e][bad-input]") {
  OtpgateProcess p;
  const std::string path = "/v1/verifications";
  require_error(post_raw(p, path, "{\"phone_number\": "), 400, "INVALID_ARGUMENT", "body");
  require_error(post_raw(p, path, "[1,2]"), 400, "INVALID_ARGUMENT", "body");
  require_error(post_raw(p, path, "{}"), 400, "INVALID_ARGUMENT", "phone_number");
  require_error(post_raw(p, path, R"({"phone_number": 4915112345678})"), 400, "INVALID_ARGUMENT",
                "phone_number");
  require_error(post_raw(p, path, R"({"phone_number":"+4915112345678","colour":"red"})"), 400,
                "INVALID_ARGUMENT", "colour");
  const std::vector<std::string> bad_numbers = {
      "015112345678",       "+49 151 12345678", "+4915",
      "+49151123456789012", "+00000000000",     std::string("+4915112345678\0", 15),
      "'; DROP TABLE--",    "+491511234567a"};
  for (const auto& bad : bad_numbers) {
    INFO(bad);
    require_error(post_raw(p, path, nlohmann::json{{"phone_number", bad}}.dump()), 400,
                  "INVALID_ARGUMENT", "phone_number");
  }
  require_error(post_raw(p, path, R"({"phone_number":"+4915112345678","locale":"de_DE!"})"), 400,
                "INVALID_ARGUMENT", "locale");
  require_error(post_raw(p, path, R"({"phone_number":"+4915112345678","client_ip":"1.2.3"})"), 400,
                "INVALID_ARGUMENT", "client_ip");
  require_error(post_raw(p, path, std::string(8000, '[')), 400, "INVALID_ARGUMENT", "body");
  require_error(post_raw(p, path, std::string("{\"phone_number\":\"\xff\xfe\"}")), 400,
                "INVALID_ARGUMENT");
  require_error(post_raw(p, path, R"({"phone_number":"+4915112345678"})", "text/plain"), 415,
                "UNSUPPORTED_MEDIA_TYPE");
  require_error(http_request("POST", p.base_url() + path, {bearer(shop_key())},
                             R"({"phone_number":"+4915112345678"})"),
                415, "UNSUPPORTED_MEDIA_TYPE");
  // A phone of a country the brand does not serve.
  require_error(post_raw(p, path, R"({"phone_number":"+33612345678"})"), 403,
                "PHONE_NUMBER_NOT_ALLOWED");
  CHECK(p.outbox_lines().empty());  // none of these sent an SMS
  CHECK(http_get(p.base_url() + "/healthz").status == 200);
}

TEST_CASE("bad checks and unknown verifications", "[e2e][bad-input]") {
  OtpgateProcess p;
  const auto created = start_verification(p, fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string check = "/v1/verifications/" + id + "/check";
  require_error(post_raw(p, check, R"({"code":"12345678901"})"), 400, "INVALID_ARGUMENT", "code");
  require_error(post_raw(p, check, R"({"code":123456})"), 400, "INVALID_ARGUMENT", "code");
  require_error(post_raw(p, check, R"({"code":"12 456"})"), 400, "INVALID_ARGUMENT", "code");
  require_error(post_raw(p, check, R"({})"), 400, "INVALID_ARGUMENT", "code");
  require_error(post_raw(p, check, R"({"code":"123456","extra":1})"), 400, "INVALID_ARGUMENT",
                "extra");
  require_error(post_raw(p, check, ""), 400, "INVALID_ARGUMENT", "body");
  require_error(post_raw(p, check, R"({"code":"123456"})", "text/plain"), 415,
                "UNSUPPORTED_MEDIA_TYPE");
  // None of those consumed an attempt.
  const auto after = http_get(p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  CHECK(after.json()["attempts_left"] == 5);

  const std::string unknown = "vf_" + std::string(36, 'a');
  require_error(post_raw(p, "/v1/verifications/" + unknown + "/check", R"({"code":"123456"})"), 404,
                "NOT_FOUND");
  require_error(http_get(p.base_url() + "/v1/verifications/" + unknown, {bearer(shop_key())}), 404,
                "NOT_FOUND");
  require_error(http_get(p.base_url() + "/v1/verifications/..%2F..%2Fetc", {bearer(shop_key())}),
                404, "NOT_FOUND");
  require_error(post_raw(p, "/v1/verifications/" + id + "/explode", "{}"), 404, "NOT_FOUND");
  require_error(
      http_get(p.base_url() + "/v1/verifications/" + id + "/explode", {bearer(shop_key())}), 404,
      "NOT_FOUND");
  const auto deleted =
      http_request("DELETE", p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  require_error(deleted, 405, "METHOD_NOT_ALLOWED");
  CHECK(deleted.header("allow") == "GET, HEAD");  // RFC 9110 15.5.6: the methods it takes
  const auto get_check = http_get(p.base_url() + "/v1/verifications/" + id + "/check");
  require_error(get_check, 405, "METHOD_NOT_ALLOWED");
  CHECK(get_check.header("allow") == "POST");
  const auto head =
      http_request("HEAD", p.base_url() + "/v1/verifications/" + id, {bearer(shop_key())});
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  require_error(post_raw(p, "/v1/verifications/" + id + "/resend", R"({"x":1})"), 400,
                "INVALID_ARGUMENT", "x");
}

TEST_CASE("a key twice in a body is refused, and no SMS goes to either number",
          "[e2e][bad-input]") {
  OtpgateProcess p;
  const std::string a = fresh_phone();
  const std::string b = fresh_phone();
  require_error(post_raw(p, "/v1/verifications",
                         R"({"phone_number":")" + a + R"(","phone_number":")" + b + R"("})"),
                400, "INVALID_ARGUMENT", "phone_number");
  require_error(post_raw(p, "/v1/verifications",
                         R"({"phone_number":")" + a +
                             R"(","order":{"amount":"1.00","amount":"900.00","currency":"EUR"}})"),
                400, "INVALID_ARGUMENT", "order.amount");
  CHECK(p.outbox_lines().empty());
  const auto created = start_verification(p, a);
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  require_error(post_raw(p, "/v1/verifications/" + id + "/check", R"({"code":"1","code":"2"})"),
                400, "INVALID_ARGUMENT", "code");
}

TEST_CASE("the Bearer scheme is matched in any case", "[e2e][bad-input][auth]") {
  OtpgateProcess p;
  const std::string url = p.base_url() + "/v1/verifications";
  for (const std::string scheme : {"bearer ", "BEARER ", "Bearer  ", "bEaReR "}) {
    INFO(scheme);
    const auto r = http_post_json(url, {{"phone_number", fresh_phone()}},
                                  {{"Authorization", scheme + shop_key()}});
    CHECK(r.status == 201);
  }
  const std::vector<std::string> refused = {"Bearer", "Bearer ", "Bearerx " + shop_key(),
                                            "Bearer" + shop_key(), "Basic " + shop_key()};
  for (const auto& bad : refused) {
    INFO(bad);
    require_error(http_post_json(url, {{"phone_number", fresh_phone()}}, {{"Authorization", bad}}),
                  401, "UNAUTHENTICATED");
  }
}

TEST_CASE("missing, wrong and under-privileged keys", "[e2e][bad-input][auth]") {
  OtpgateProcess p;
  const std::string url = p.base_url() + "/v1/verifications";
  const nlohmann::json body = {{"phone_number", fresh_phone()}};
  require_error(http_post_json(url, body), 401, "UNAUTHENTICATED");
  require_error(http_post_json(url, body, {bearer("not-a-key")}), 401, "UNAUTHENTICATED");
  require_error(http_post_json(url, body, {{"Authorization", "Basic " + shop_key()}}), 401,
                "UNAUTHENTICATED");
  require_error(http_post_json(url, body, {bearer(dev_keys().at("OTPGATE_DEMO_ANALYST_KEY"))}), 403,
                "PERMISSION_DENIED");
  require_error(
      http_post_json(url, body, {bearer(dev_keys().at("OTPGATE_DEMO_BRAND_MANAGER_KEY"))}), 403,
      "PERMISSION_DENIED");
  // A shop of another brand cannot see, check, resend or cancel this brand's verification.
  const auto created = start_verification(p, fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const auto other = bearer(dev_keys().at("OTPGATE_DEMO_SKYLINK_SHOP_KEY"));
  require_error(http_get(url + "/" + id, {other}), 404, "NOT_FOUND");
  require_error(http_post_json(url + "/" + id + "/check", {{"code", "123456"}}, {other}), 404,
                "NOT_FOUND");
  require_error(http_request("POST", url + "/" + id + "/cancel", {other}), 404, "NOT_FOUND");
  require_error(
      http_post_json(url, {{"phone_number", fresh_phone()}, {"brand", "nordwind"}}, {other}), 403,
      "PERMISSION_DENIED");
  const auto still = http_get(url + "/" + id, {bearer(shop_key())});
  CHECK(still.json()["status"] == "pending");
  CHECK(still.json()["attempts_left"] == 5);
  // Paths are logged as route templates: no id (not even on a 401) and no number from an
  // unknown path reach the log; nor does the key.
  require_error(http_get(url + "/" + id), 401, "UNAUTHENTICATED");
  const std::string number = fresh_phone();
  require_error(
      http_get(p.base_url() + "/v1/brands/nordwind/customers/" + number, {bearer(shop_key())}), 404,
      "NOT_FOUND");
  // The access line is written once the response is sent: wait for the last one.
  std::string log = p.log_text();
  for (int i = 0; i < 40 && log.find("{unmatched}") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log = p.log_text();
  }
  CHECK(log.find(id) == std::string::npos);
  CHECK(log.find(number) == std::string::npos);
  CHECK(log.find("{unmatched}") != std::string::npos);
  CHECK(log.find(shop_key()) == std::string::npos);
}

TEST_CASE("oversized bodies, half-sent requests and garbage bytes", "[e2e][bad-input][http]") {
  OtpgateOptions o;
  o.env["OTPGATE_READ_TIMEOUT_MS"] = "500";
  OtpgateProcess p(o);
  require_error(post_raw(p, "/v1/verifications", std::string(1 << 20, 'x')), 413,
                "PAYLOAD_TOO_LARGE");

  RawConnection half(p.port());
  REQUIRE(
      half.send("POST /v1/verifications HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                "Content-Type: application/json\r\n\r\n{\"phone_"));
  // Meanwhile the server answers others.
  CHECK(http_get(p.base_url() + "/healthz").status == 200);
  const auto closed = half.read_until_close(std::chrono::seconds(5));
  CHECK(closed.closed_by_peer);

  RawConnection garbage(p.port());
  REQUIRE(garbage.send(std::string("\x16\x03\x01\x00\xff garbage\r\n\r\n", 18)));
  const auto answer = garbage.read_until_close(std::chrono::seconds(5));
  CHECK(answer.received.rfind("HTTP/1.1 400", 0) == 0);

  CHECK(http_get(p.base_url() + "/healthz").status == 200);
  CHECK(p.running());
}
