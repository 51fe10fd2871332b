// Real SMS gateways end to end, the sending side: the otpgate binary sends through fake vendor
// servers (real HTTP servers in this process), retries and fails over, answers 502 when no
// gateway takes the SMS, overlaps slow sends, stops on bad gateway configuration, and never
// logs a credential or a code.
#include "gateway_world.hpp"

#include <thread>

using namespace otpgate::test;
using namespace otpgate::test::gateway_e2e;

TEST_CASE("a create sends through Twilio as Twilio documents it, the code checks",
          "[e2e][gateways]") {
  FakeHttpServer twilio(twilio_accepts);
  World w({{"tw", twilio_gateway(twilio)}}, {"tw"});
  const std::string phone = fresh_phone();
  const auto created = w.create(phone);
  REQUIRE(created.status == 201);
  const auto v = created.json();
  CHECK(v["delivery"]["status"] == "accepted");
  CHECK(v["delivery"]["gateway"] == "tw");
  CHECK(v["delivery"]["message_id"] == "SM0123456789abcdef0123456789abcdef");

  REQUIRE(twilio.request_count() == 1);
  const RecordedRequest sent = twilio.requests().front();
  CHECK(sent.method == "POST");
  CHECK(sent.target == std::string("/2010-04-01/Accounts/") + account_sid + "/Messages.json");
  CHECK(sent.header("authorization") ==
        "Basic " + otpgate::crypto::base64_encode(std::string(account_sid) + ":" + auth_token));
  CHECK(sent.header("content-type") == "application/x-www-form-urlencoded");
  CHECK(form_field(sent.body, "To") == phone);
  CHECK(form_field(sent.body, "From") == "Acme");
  const std::string code = first_digits(form_field(sent.body, "Body"), 6);
  REQUIRE(code.size() == 6);

  CHECK(w.check(v["id"], code).status == 200);
  // Neither the credential nor the code reaches otpgate's log.
  const std::string log = w.otpgate->log_text();
  CHECK(log.find(auth_token) == std::string::npos);
  CHECK(log.find(code) == std::string::npos);
  CHECK(log.find(otpgate::crypto::base64_encode(std::string(account_sid) + ":" + auth_token)) ==
        std::string::npos);
}

TEST_CASE("a failing gateway is retried, then the next one takes the SMS", "[e2e][gateways]") {
  FakeHttpServer primary(twilio_busy);
  FakeHttpServer secondary(twilio_accepts);
  World w({{"tw", twilio_gateway(primary)}, {"tw-backup", twilio_gateway(secondary)}},
          {"tw", "tw-backup"}, {{"retries", 1}, {"backoff_ms", 0}});
  const auto created = w.create(fresh_phone());
  REQUIRE(created.status == 201);
  CHECK(created.json()["delivery"]["gateway"] == "tw-backup");
  CHECK(primary.request_count() == 2);  // the attempt and one retry
  CHECK(secondary.request_count() == 1);
  CHECK(w.otpgate->log_text().find("\"reason\":\"twilio 20503\"") != std::string::npos);
}

TEST_CASE("when every gateway refuses, create answers 502 and the verification is send_failed",
          "[e2e][gateways]") {
  FakeHttpServer a(twilio_bad_number);
  FakeHttpServer b(twilio_bad_number);
  World w({{"tw", twilio_gateway(a)}, {"tw-backup", twilio_gateway(b)}}, {"tw", "tw-backup"});
  const auto created = w.create(fresh_phone());
  CHECK(created.status == 502);
  const auto body = created.json();
  CHECK(body["code"] == "SMS_DELIVERY_FAILED");
  CHECK(body["verification"]["status"] == "send_failed");
  CHECK(a.request_count() == 1);  // a permanent error is not retried
  CHECK(b.request_count() == 1);
  const std::string code = first_digits(form_field(a.requests().front().body, "Body"), 6);
  REQUIRE(code.size() == 6);
  CHECK(created.body.find(code) == std::string::npos);
  CHECK(w.check(body["verification"]["id"], code).status == 409);
}

TEST_CASE("200 concurrent creates against a slow gateway overlap their sends",
          "[e2e][gateways][race]") {
  FakeHttpServer slow([](const RecordedRequest& r) {
    FakeReply reply = twilio_accepts(r);
    reply.delay = std::chrono::milliseconds(300);
    return reply;
  });
  World w({{"tw", twilio_gateway(slow)}}, {"tw"});
  std::vector<long> statuses(200);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (std::size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] {
      const std::string phone = fresh_phone();
      while (!go.load()) std::this_thread::yield();
      statuses[i] = w.create(phone).status;
    });
  go.store(true);
  for (auto& t : threads) t.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 201) == 200);
  CHECK(slow.request_count() == 200);
  // Blocking sends would never have more than two in flight (two io threads). (The bound is
  // well below 200 so that a sanitizer build, where otpgate is slow, still passes.)
  CHECK(slow.max_concurrent() > 20);
}

TEST_CASE("an unset ${NAME} in the gateways file stops start-up naming the field",
          "[e2e][gateways][config]") {
  TempBrands brands;
  brands.add("acme", R"({"display_name":"Acme","sender_id":"Acme","locales":["en"],
    "default_locale":"en","allowed_countries":["DE"],"gateways":["tw"]})");
  std::ofstream(brands.dir() + "/gateways.json")
      << R"({"gateways":{"tw":{"type":"twilio","account_sid":"AC1","auth_token":"${E2E_UNSET_TOKEN}"}}})";
  OtpgateOptions o = brands.options();
  o.env["OTPGATE_GATEWAYS_FILE"] = brands.dir() + "/gateways.json";
  o.wait_healthy = false;
  OtpgateProcess p(o);
  CHECK(p.wait_exit() == 2);
  CHECK_THAT(p.log_text(),
             Catch::Contains("/gateways/tw/auth_token") && Catch::Contains("E2E_UNSET_TOKEN"));
}
