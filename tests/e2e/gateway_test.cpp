// Real SMS gateways end to end: the otpgate binary sends through fake vendor servers (real HTTP
// servers in this process), fails over, reports delivery failures as 502, takes signed delivery
// reports, and never logs a credential or a code.
#include "e2e_helpers.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/gateways/http.hpp"
#include "support/fake_http_server.hpp"

#include <thread>

using namespace otpgate::test;
using otpgate::crypto::DigestAlgorithm;

namespace {

constexpr const char* account_sid = "AC00000000000000000000000000000001";
constexpr const char* auth_token = "twilio-auth-token-e2e-secret";
constexpr const char* generic_secret = "generic-report-secret-e2e";

FakeReply twilio_accepts(const RecordedRequest&) {
  return {.status = 201,
          .headers = {{"Content-Type", "application/json"}},
          .body = R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"})"};
}

FakeReply twilio_busy(const RecordedRequest&) {
  return {.status = 503, .body = R"({"code":20503,"message":"Service unavailable"})"};
}

FakeReply twilio_bad_number(const RecordedRequest&) {
  return {.status = 400, .body = R"({"code":21211,"message":"Invalid 'To' Phone Number"})"};
}

nlohmann::json twilio_gateway(const FakeHttpServer& fake) {
  return {{"type", "twilio"},
          {"account_sid", account_sid},
          {"auth_token", "${E2E_TWILIO_TOKEN}"},
          {"base_url", fake.base_url()}};
}

nlohmann::json generic_gateway(const FakeHttpServer& fake) {
  return {{"type", "generic"},
          {"url", fake.base_url() + "/send"},
          {"body", {{"to", "{{to}}"}, {"text", "{{text}}"}, {"ref", "{{reference}}"}}},
          {"message_id_pointer", "/id"},
          {"report",
           {{"secret", generic_secret},
            {"reference_pointer", "/ref"},
            {"status_pointer", "/state"},
            {"statuses", {{"DELIVRD", "delivered"}, {"UNDELIV", "undelivered"}}}}}};
}

// A brand "acme" sending through `gateways` (in order), configured in a gateways file.
struct World {
  TempBrands brands;
  std::optional<OtpgateProcess> otpgate;

  World(const nlohmann::json& gateway_defs, const std::vector<std::string>& order,
        const nlohmann::json& delivery = nlohmann::json::object(),
        const nlohmann::json& lock = nlohmann::json::object(),
        const nlohmann::json& code = nlohmann::json::object()) {
    nlohmann::json brand = {{"display_name", "Acme"},
                            {"sender_id", "Acme"},
                            {"locales", {"en"}},
                            {"default_locale", "en"},
                            {"allowed_countries", {"DE"}},
                            {"gateways", order},
                            {"delivery", delivery},
                            {"lock", lock},
                            {"code", code}};
    brands.add("acme", brand.dump());
    brands.add_key("shop", "acme", "shop");
    std::ofstream(brands.dir() + "/gateways.json") << nlohmann::json{{"gateways", gateway_defs}};
    OtpgateOptions o = brands.options();
    o.env["OTPGATE_GATEWAYS_FILE"] = brands.dir() + "/gateways.json";
    o.env["E2E_TWILIO_TOKEN"] = auth_token;
    otpgate.emplace(o);
  }

  HttpResponse create(const std::string& phone) const {
    return http_post_json(otpgate->base_url() + "/v1/verifications", {{"phone_number", phone}},
                          {bearer(brands.key("shop"))});
  }
  HttpResponse get(const std::string& id) const {
    return http_get(otpgate->base_url() + "/v1/verifications/" + id, {bearer(brands.key("shop"))});
  }
  HttpResponse check(const std::string& id, const std::string& code) const {
    return http_post_json(otpgate->base_url() + "/v1/verifications/" + id + "/check",
                          {{"code", code}}, {bearer(brands.key("shop"))});
  }
  std::string report_url(const std::string& gateway) const {
    return otpgate->base_url() + "/v1/gateways/" + gateway + "/delivery-reports";
  }
};

std::string form_field(const std::string& body, const std::string& name) {
  const auto fields = otpgate::gateways::form_decode(body);  // named: the loop must not dangle
  for (const auto& [k, v] : fields.value())
    if (k == name) return v;
  return "";
}

std::string first_digits(const std::string& text, std::size_t n) {
  for (std::size_t i = 0; i + n <= text.size(); ++i)
    if (std::all_of(text.begin() + static_cast<long>(i), text.begin() + static_cast<long>(i + n),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return text.substr(i, n);
  return "";
}

// X-Twilio-Signature as Twilio computes it: the URL, then each POST parameter sorted by name
// as name followed by value, HMAC-SHA1 under the auth token, base64.
std::string twilio_signature(const std::string& url,
                             std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string data = url;
  for (const auto& [k, v] : params) data += k + v;
  return otpgate::crypto::base64_encode(
      otpgate::crypto::hmac(DigestAlgorithm::sha1, auth_token, data));
}

HttpResponse post_twilio_report(const World& w, const std::string& id, const std::string& status,
                                const std::string& signature_override = "") {
  const std::string url = w.report_url("tw") + "?ref=" + id;
  const std::vector<std::pair<std::string, std::string>> params = {
      {"MessageSid", "SM0123456789abcdef0123456789abcdef"}, {"MessageStatus", status}};
  const std::string sig =
      signature_override.empty() ? twilio_signature(url, params) : signature_override;
  return http_request(
      "POST", url,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Twilio-Signature", sig}},
      otpgate::gateways::form_encode(params));
}

}  // namespace

TEST_CASE("a create sends through Twilio as Twilio documents it; the code checks",
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

TEST_CASE("a signed Twilio delivery report updates the verification; a tampered one is 401",
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

std::string generic_report(const std::string& id, const std::string& state) {
  return nlohmann::json{{"ref", id}, {"state", state}}.dump();
}

HttpResponse post_generic_report(const World& w, const std::string& gateway,
                                 const std::string& report) {
  const std::string sig = otpgate::crypto::hex_lower(
      otpgate::crypto::hmac(DigestAlgorithm::sha256, generic_secret, report));
  return http_request("POST", w.report_url(gateway),
                      {{"Content-Type", "application/json"}, {"X-Signature", sig}}, report);
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
