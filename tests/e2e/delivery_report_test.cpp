// Delivery reports end to end: signed vendor callbacks update the verification, tampered and
// hostile ones are refused, an undelivered SMS is resent once through the next gateway.
#include "gateway_world.hpp"

using namespace otpgate::test;
using namespace otpgate::test::gateway_e2e;

TEST_CASE("a signed Twilio delivery report updates the verification, a tampered one is 401",
          "[e2e][gateways][reports]") {
  FakeHttpServer twilio(twilio_accepts);
  World w({{"tw", twilio_gateway(twilio)}}, {"tw"});
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];

  const auto tampered = post_twilio_report(w, id, "delivered", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  CHECK(tampered.status == 401);
  CHECK(tampered.json()["code"] == "UNAUTHENTICATED");
  CHECK(w.get(id).json()["delivery"]["status"] == "accepted");

  CHECK(post_twilio_report(w, id, "delivered").status == 204);
  const auto after = w.get(id).json();
  CHECK(after["delivery"]["status"] == "delivered");
  CHECK(after["delivery"]["gateway"] == "tw");
  // A late "sent" report does not move a delivered SMS back.
  CHECK(post_twilio_report(w, id, "sent").status == 204);
  CHECK(w.get(id).json()["delivery"]["status"] == "delivered");
  // Reports for verifications otpgate never issued are acknowledged and change nothing.
  CHECK(post_twilio_report(w, "vf_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "delivered").status ==
        204);
  CHECK(http_request("POST", w.report_url("nope"), {}, "").status == 404);
}

TEST_CASE("an undelivered report resends once through the next gateway",
          "[e2e][gateways][reports]") {
  FakeHttpServer first([](const RecordedRequest&) {
    return FakeReply{.status = 202, .body = R"({"id":"g1-msg"})"};
  });
  FakeHttpServer second([](const RecordedRequest&) {
    return FakeReply{.status = 202, .body = R"({"id":"g2-msg"})"};
  });
  World w({{"g1", generic_gateway(first)}, {"g2", generic_gateway(second)}}, {"g1", "g2"},
          {{"resend_on_undelivered", true}});
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  REQUIRE(first.request_count() == 1);

  const std::string report = nlohmann::json{{"ref", id}, {"state", "UNDELIV"}}.dump();
  const std::string sig = otpgate::crypto::hex_lower(
      otpgate::crypto::hmac(DigestAlgorithm::sha256, generic_secret, report));
  const auto bad =
      http_request("POST", w.report_url("g1"),
                   {{"Content-Type", "application/json"}, {"X-Signature", "00"}}, report);
  CHECK(bad.status == 401);
  CHECK(second.request_count() == 0);

  const auto ok = http_request(
      "POST", w.report_url("g1"),
      {{"Content-Type", "application/json"}, {"X-Signature", "sha256=" + sig}}, report);
  CHECK(ok.status == 204);
  CHECK(second.request_count() == 1);
  const auto after = w.get(id).json();
  CHECK(after["delivery"]["gateway"] == "g2");
  CHECK(after["delivery"]["status"] == "accepted");
  CHECK(after["delivery"]["message_id"] == "g2-msg");
  CHECK(after["sends_left"] == created.json()["sends_left"]);  // not the customer's resend

  // The same report again (a vendor retry) resends nothing more.
  http_request("POST", w.report_url("g1"),
               {{"Content-Type", "application/json"}, {"X-Signature", sig}}, report);
  CHECK(second.request_count() == 1);
}

TEST_CASE("an undelivered report sends nothing to a locked phone", "[e2e][gateways][reports]") {
  FakeHttpServer first([](const RecordedRequest&) {
    return FakeReply{.status = 202, .body = R"({"id":"g1-msg"})"};
  });
  FakeHttpServer second([](const RecordedRequest&) {
    return FakeReply{.status = 202, .body = R"({"id":"g2-msg"})"};
  });
  // One wrong code locks the phone.
  World w({{"g1", generic_gateway(first)}, {"g2", generic_gateway(second)}}, {"g1", "g2"},
          {{"resend_on_undelivered", true}}, {{"max_failed_checks", 1}});
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const std::string code = first_digits(first.requests().front().body, 6);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  REQUIRE(w.check(id, wrong).status == 422);
  REQUIRE(w.check(id, code).status == 403);  // locked

  CHECK(post_generic_report(w, "g1", generic_report(id, "UNDELIV")).status == 204);
  CHECK(second.request_count() == 0);
  CHECK(w.get(id).json()["delivery"]["status"] == "undelivered");
}

TEST_CASE("a failed resend keeps the earlier send's delivery state and its reports",
          "[e2e][gateways][reports]") {
  std::atomic<bool> refuse{false};
  FakeHttpServer gateway([&](const RecordedRequest&) {
    if (refuse.load()) return FakeReply{.status = 400, .body = R"({"error":"rejected"})"};
    return FakeReply{.status = 202, .body = R"({"id":"g1-msg"})"};
  });
  World w({{"g1", generic_gateway(gateway)}}, {"g1"}, nlohmann::json::object(),
          nlohmann::json::object(), {{"resend_cooldown_seconds", 0}});
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  refuse.store(true);
  const auto resent = http_post_json(w.otpgate->base_url() + "/v1/verifications/" + id + "/resend",
                                     nlohmann::json::object(), {bearer(w.brands.key("shop"))});
  CHECK(resent.status == 502);
  const auto after = w.get(id).json();
  CHECK(after["status"] == "pending");
  CHECK(after["delivery"]["status"] == "accepted");
  CHECK(after["delivery"]["message_id"] == "g1-msg");
  // The first SMS's report still finds it.
  CHECK(post_generic_report(w, "g1", generic_report(id, "DELIVRD")).status == 204);
  CHECK(w.get(id).json()["delivery"]["status"] == "delivered");
}

TEST_CASE("the delivery-report endpoint answers hostile input with clear 4xx and keeps serving",
          "[e2e][gateways][reports][bad-input]") {
  FakeHttpServer twilio(twilio_accepts);
  FakeHttpServer generic([](const RecordedRequest&) {
    return FakeReply{.status = 202, .body = R"({"id":"g1-msg"})"};
  });
  World w({{"tw", twilio_gateway(twilio)}, {"g1", generic_gateway(generic)}}, {"g1"});
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  const auto code_of = [](const HttpResponse& r) { return r.json().value("code", ""); };

  // Unsigned, garbage, oversized: 401 or 413, never a 5xx.
  const auto garbage = http_request("POST", w.report_url("tw"), {}, "\x01\x02%%%&&==");
  CHECK(garbage.status == 401);
  CHECK(code_of(garbage) == "UNAUTHENTICATED");
  const auto huge =
      http_request("POST", w.report_url("g1"), {{"X-Signature", "00"}}, std::string(1 << 20, 'x'));
  CHECK(huge.status == 413);
  // A validly signed body that is not the JSON the gateway reports: 400, nothing changed.
  const std::string not_json = "{\"ref\": [unterminated";
  const auto unreadable = post_generic_report(w, "g1", not_json);
  CHECK(unreadable.status == 400);
  CHECK(unreadable.json()["field"] == "body");  // every INVALID_ARGUMENT names its field
  CHECK(code_of(unreadable) == "INVALID_ARGUMENT");
  // A signed report naming a malformed or foreign reference is acknowledged and changes nothing.
  CHECK(post_generic_report(w, "g1", generic_report("../../etc/passwd", "DELIVRD")).status == 204);
  CHECK(post_generic_report(w, "g1", generic_report(id, "NOT-A-STATUS")).status == 204);
  CHECK(w.get(id).json()["delivery"]["status"] == "accepted");
  // Wrong methods and paths.
  CHECK(http_request("PUT", w.report_url("g1"), {}, "").status == 405);
  CHECK(http_request("POST", w.otpgate->base_url() + "/v1/gateways//delivery-reports", {}, "")
            .status == 404);
  CHECK(http_request("POST", w.otpgate->base_url() + "/v1/gateways/g1/x/delivery-reports", {}, "")
            .status == 404);
  CHECK(http_request("POST", w.report_url("file"), {}, "").status == 404);  // no reports
  // Still serving, and the verification still checks out.
  CHECK(post_generic_report(w, "g1", generic_report(id, "DELIVRD")).status == 204);
  CHECK(w.get(id).json()["delivery"]["status"] == "delivered");
}
