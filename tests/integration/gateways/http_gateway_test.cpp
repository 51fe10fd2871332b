// Every vendor adapter over real HTTP: the SmsGateway the catalog builds (protocol + libcurl on
// Asio) against a fake provider on port 0 that checks the request as the vendor would (path,
// auth, fields) and can be scripted to answer 500, 429 with Retry-After, a vendor's "invalid
// number", slowly, never (hang), or with a connection reset.
#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/gateways/http.hpp"
#include "otpgate/gateways/registry.hpp"
#include "otpgate/crypto/digest.hpp"

#include "support/fake_http_server.hpp"
#include "support/run_sync.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>

namespace {

using namespace otpgate;
using namespace otpgate::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

enum class Mode { ok, server_error, throttled, invalid_number, slow, hang, reset };

struct Vendor {
  std::string type;
  std::function<json(const std::string& base_url)> settings;
  // true when the request is exactly what the vendor expects for the test message.
  std::function<bool(const RecordedRequest&)> valid;
  FakeReply accepted;
  FakeReply invalid_number;
  std::string message_id;
};

const std::string phone = "+4915112345678";
const std::string text = "Your code is 482913";

std::string field(const RecordedRequest& r, const std::string& name) {
  const auto fields = gateways::form_decode(r.body);
  return fields ? gateways::first_of(*fields, name) : "";
}

json body_json(const RecordedRequest& r) {
  return json::parse(r.body, nullptr, false);
}

std::vector<Vendor> vendors() {
  return {
      {"twilio",
       [](const std::string& base) {
         return json{{"account_sid", "AC42"}, {"auth_token", "tw-token"}, {"base_url", base}};
       },
       [](const RecordedRequest& r) {
         return r.method == "POST" && r.target == "/2010-04-01/Accounts/AC42/Messages.json" &&
                r.header("authorization") == gateways::basic_auth("AC42", "tw-token") &&
                r.header("content-type") == "application/x-www-form-urlencoded" &&
                field(r, "To") == phone && field(r, "From") == "Acme" && field(r, "Body") == text;
       },
       {.status = 201, .body = R"({"sid":"SM42","status":"queued"})"},
       {.status = 400, .body = R"({"code":21211,"message":"Invalid 'To' Phone Number"})"},
       "SM42"},
      {"vonage",
       [](const std::string& base) {
         return json{{"api_key", "vk"},
                     {"api_secret", "vs"},
                     {"signature_secret", "sig"},
                     {"base_url", base}};
       },
       [](const RecordedRequest& r) {
         return r.method == "POST" && r.target == "/sms/json" && field(r, "api_key") == "vk" &&
                field(r, "api_secret") == "vs" && field(r, "to") == phone.substr(1) &&
                field(r, "from") == "Acme" && field(r, "text") == text;
       },
       {.status = 200,
        .body = R"({"message-count":"1","messages":[{"status":"0","message-id":"VN42"}]})"},
       {.status = 200,
        .body = R"({"message-count":"1","messages":[{"status":"3","error-text":"Invalid to"}]})"},
       "VN42"},
      {"messagebird",
       [](const std::string& base) {
         return json{{"access_key", "mb-key"}, {"signing_key", "mb-sign"}, {"base_url", base}};
       },
       [](const RecordedRequest& r) {
         const json b = body_json(r);
         return r.method == "POST" && r.target == "/messages" &&
                r.header("authorization") == "AccessKey mb-key" && b.is_object() &&
                b.value("originator", "") == "Acme" && b.value("body", "") == text &&
                b["recipients"] == json::array({phone.substr(1)});
       },
       {.status = 201, .body = R"({"id":"MB42"})"},
       {.status = 422, .body = R"({"errors":[{"code":10,"parameter":"recipient"}]})"},
       "MB42"},
      {"sinch",
       [](const std::string& base) {
         return json{{"service_plan_id", "plan42"},
                     {"api_token", "sn-token"},
                     {"webhook_secret", "sn-secret"},
                     {"base_url", base}};
       },
       [](const RecordedRequest& r) {
         const json b = body_json(r);
         return r.method == "POST" && r.target == "/xms/v1/plan42/batches" &&
                r.header("authorization") == "Bearer sn-token" && b.is_object() &&
                b.value("from", "") == "Acme" && b.value("body", "") == text &&
                b["to"] == json::array({phone});
       },
       {.status = 201, .body = R"({"id":"SB42"})"},
       {.status = 400, .body = R"({"code":"syntax_invalid_parameter_format","text":"bad to"})"},
       "SB42"},
      {"generic",
       [](const std::string& base) {
         return json{{"url", base + "/send"},
                     {"headers", {{"Authorization", "Bearer gn-token"}}},
                     {"body", {{"to", "{{to}}"}, {"text", "{{text}}"}, {"from", "{{sender}}"}}},
                     {"message_id_pointer", "/id"}};
       },
       [](const RecordedRequest& r) {
         const json b = body_json(r);
         return r.method == "POST" && r.target == "/send" &&
                r.header("authorization") == "Bearer gn-token" &&
                b == json{{"to", phone}, {"text", text}, {"from", "Acme"}};
       },
       {.status = 202, .body = R"({"id":"GN42"})"},
       {.status = 400, .body = R"({"error":"invalid number"})"},
       "GN42"},
  };
}

struct Harness {
  std::atomic<Mode> mode{Mode::ok};
  Vendor vendor;
  FakeHttpServer fake;
  boost::asio::io_context ioc;
  gateways::GatewayCatalog catalog;
  gateways::CurlMulti http{ioc};
  std::map<std::string, std::unique_ptr<SmsGateway>> instances;

  explicit Harness(Vendor v)
      : vendor(std::move(v)), fake([this](const RecordedRequest& r) { return answer(r); }) {
    json settings = vendor.settings(fake.base_url());
    settings["type"] = vendor.type;
    catalog = gateways::build_catalog(json{{"gateways", {{"gw", settings}}}},
                                      [](const std::string&) { return std::nullopt; });
    instances = gateways::create({"gw"}, catalog, http, gateways::GatewaySettings{});
  }

  FakeReply answer(const RecordedRequest& r) {
    switch (mode.load()) {
      case Mode::server_error:
        return {.status = 500, .body = "{}"};
      case Mode::throttled:
        return {.status = 429, .headers = {{"Retry-After", "7"}}, .body = "{}"};
      case Mode::invalid_number:
        return vendor.invalid_number;
      case Mode::hang:
        return {.hang = true};
      case Mode::reset:
        return {.reset = true};
      case Mode::slow:
      case Mode::ok:
        break;
    }
    // A request that is not what the vendor documents gets the vendor's 400, not a success.
    if (!vendor.valid(r)) return {.status = 400, .body = R"({"error":"unexpected request"})"};
    FakeReply reply = vendor.accepted;
    if (mode.load() == Mode::slow) reply.delay = 150ms;
    return reply;
  }

  SendAttempt send(Mode m, milliseconds timeout = 2000ms) {
    mode = m;
    const SmsMessage msg{phone, "Acme", Secret<std::string>(text), "acme", "vf_test"};
    return run_sync(ioc, instances.at("gw")->send(msg, timeout));
  }
};

}  // namespace

TEST_CASE("every vendor adapter speaks its vendor's API over HTTP", "[gateway-http]") {
  for (const Vendor& v : vendors()) {
    INFO("vendor " << v.type);
    Harness h(v);

    const SendAttempt ok = h.send(Mode::ok);
    CHECK(ok.outcome == SendOutcome::accepted);
    CHECK(ok.message_id == v.message_id);
    REQUIRE(h.fake.request_count() == 1);

    CHECK(h.send(Mode::slow).outcome == SendOutcome::accepted);
    CHECK(h.send(Mode::server_error).outcome == SendOutcome::transient);

    const SendAttempt throttled = h.send(Mode::throttled);
    CHECK(throttled.outcome == SendOutcome::transient);
    CHECK(throttled.retry_after == std::optional<milliseconds>(7000ms));

    const SendAttempt invalid = h.send(Mode::invalid_number);
    CHECK(invalid.outcome == SendOutcome::permanent);
    CHECK(invalid.reason.find(phone.substr(3)) == std::string::npos);

    const SendAttempt hung = h.send(Mode::hang, 300ms);
    CHECK(hung.outcome == SendOutcome::transient);
    CHECK(hung.reason == "timeout");

    const SendAttempt reset = h.send(Mode::reset);
    CHECK(reset.outcome == SendOutcome::transient);
    CHECK(reset.reason == "unreachable");

    // Still usable after a timeout and a reset.
    CHECK(h.send(Mode::ok).outcome == SendOutcome::accepted);
  }
}
