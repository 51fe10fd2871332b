// The verification service on a real Redis with a fake clock: the use cases' answers where the
// clock matters (expiry) and where the SMS text is rendered (order placeholders).
#include "otpgate/app/verification_service.hpp"
#include "otpgate/crypto/openssl.hpp"
#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/store/redis/redis_analytics.hpp"
#include "otpgate/store/redis/redis_limiter.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/util/system_clock.hpp"
#include "otpgate/wiring/config.hpp"

#include "support/fakes/clock.hpp"
#include "support/otpgate_process.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

namespace {

using namespace otpgate;
using namespace std::chrono_literals;

struct ServiceFixture {
  boost::asio::io_context ioc;
  redis::Connection conn{ioc, config()};
  RedisStore store{conn};
  RedisRateLimiter limits{conn};
  RedisEventSink events{ioc, conn, 1000};
  test::FakeClock clock{SystemClock().now_ms()};
  crypto::OpensslRandom random;
  crypto::OpensslKeyring keys{Secret<std::string>(std::string(64, 'k'))};
  BrandCatalog brands =
      load_brands(test::source_dir() + "/brands", test::source_dir() + "/templates");
  BrandRegistry registry{brands};
  std::string outbox = "/tmp/otpgate-service-test-" + std::to_string(::getpid()) + ".jsonl";
  gateways::GatewayCatalog catalog = gateways::build_catalog(nullptr, gateways::process_env);
  gateways::CurlMulti http{ioc};
  std::map<std::string, std::unique_ptr<SmsGateway>> gateways =
      gateways::create({"file"}, catalog, http, gateways::GatewaySettings{outbox});
  SmsDispatcher dispatcher{gateways, catalog, clock, random};
  VerificationService service{
      ServiceDeps{registry, store, limits, events, dispatcher, clock, random, keys, 60'000}};

  static redis::Config config() {
    redis::Config c;
    c.port = test::shared_redis_port();
    return c;
  }
  ServiceFixture() {
    conn.start();
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!conn.connected() && std::chrono::steady_clock::now() < end) ioc.run_one_for(10ms);
    REQUIRE(conn.connected());
  }
  ~ServiceFixture() {
    conn.stop();
    std::remove(outbox.c_str());
  }
  // order_json: "" or an order object, validated as the edge validates it.
  Answer create(const Brand& brand, const std::string& order_json = "") {
    const std::optional<Order> order =
        order_json.empty() ? std::nullopt : order_from_json(nlohmann::json::parse(order_json));
    REQUIRE((order_json.empty() || order));
    CreateCommand cmd{.brand = &brand,
                      .phone = *PhoneNumber::parse_e164(test::fresh_phone("+49152")),
                      .country = "DE",
                      .locale = "en",
                      .order = order};
    return test::run_sync(ioc, service.create(cmd));
  }
  std::string last_sms_text() {
    std::ifstream in(outbox);
    std::string line, last;
    while (std::getline(in, line)) last = line;
    return nlohmann::json::parse(last).value("text", "");
  }
};

}  // namespace

TEST_CASE("resend and cancel of an expired verification answer expired, not 'not pending'",
          "[integration][service]") {
  ServiceFixture f;
  const Brand& brand = f.brands.at("nordwind");
  const Answer created = f.create(brand);
  REQUIRE(created.error == errc::ok);
  const auto id = *VerificationId::parse(created.record->id.str());
  const std::string any = "*";
  f.clock.advance(brand.code.ttl.count());
  const Answer read = test::run_sync(f.ioc, f.service.get(id, any));  // records the expiry
  REQUIRE(read.record);
  CHECK(read.record->status == Status::expired);
  const Answer resend = test::run_sync(f.ioc, f.service.resend(id, any));
  CHECK(resend.error == errc::verification_expired);
  const Answer cancel = test::run_sync(f.ioc, f.service.cancel(id, any));
  CHECK(cancel.error == errc::verification_expired);
  const Answer check = test::run_sync(f.ioc, f.service.check(id, any, "123456"));
  CHECK(check.error == errc::verification_expired);
}

TEST_CASE("order placeholders are filled from the request's order", "[integration][service]") {
  ServiceFixture f;
  Brand brand = f.brands.at("nordwind");
  std::string error;
  auto tpl =
      Template::parse("Pay {{amount}} {{currency}} to {{payee}} ({{order_id}}): {{code}}", error);
  REQUIRE(tpl);
  brand.templates.insert_or_assign("en", *tpl);
  const Answer created =
      f.create(brand, R"({"id":"o-1","amount":"49.99","currency":"EUR","payee":"Nordwind Shop"})");
  REQUIRE(created.error == errc::ok);
  // The amount in the SMS's locale (en), and the WebOTP line of nordwind's domain last.
  const std::string text = f.last_sms_text();
  const std::string prefix = "Pay €49.99 EUR to Nordwind Shop (o-1): ";
  REQUIRE(text.rfind(prefix, 0) == 0);
  const std::string code = text.substr(prefix.size(), 6);
  CHECK(text == prefix + code + "\n@shop.nordwind-mobil.example #" + code);
}

TEST_CASE("a resend after a brand policy change sends the code that was issued",
          "[integration][service]") {
  ServiceFixture f;
  const Answer created = f.create(f.brands.at("nordwind"));
  REQUIRE(created.error == errc::ok);
  const auto id = *VerificationId::parse(created.record->id.str());
  const std::string first = f.last_sms_text();
  f.brands.at("nordwind").code.format =
      CodeFormat{.length = 8, .alphabet = CodeAlphabet::alphanumeric};
  f.registry.replace_files(f.brands);  // as a reload would
  f.clock.advance(30'000);             // past the resend cooldown
  const std::string any = "*";
  const Answer resent = test::run_sync(f.ioc, f.service.resend(id, any));
  REQUIRE(resent.error == errc::ok);
  CHECK(f.last_sms_text() == first);
  const std::string code = first.substr(0, first.find(' '));  // en template: "{{code}} is ..."
  const Answer checked = test::run_sync(f.ioc, f.service.check(id, any, code));
  CHECK(checked.error == errc::ok);
}

namespace {

// nordwind as a brand that enforces PSD2 dynamic linking, with an SMS that shows the terms.
Brand psd2_brand(ServiceFixture& f) {
  Brand brand = f.brands.at("nordwind");
  brand.psd2_dynamic_linking = true;
  std::string error;
  auto tpl = Template::parse("Pay {{amount}} to {{payee}}: {{code}}", error);
  REQUIRE(tpl);
  brand.templates.insert_or_assign("en", *tpl);
  return brand;
}

const std::string psd2_order =
    R"({"id":"o-1","amount":"49.90","currency":"EUR","payee":"Nordwind Shop"})";

// The code of the newest SMS: its WebOTP line ends with "#<code>".
std::string last_code(ServiceFixture& f) {
  const std::string text = f.last_sms_text();
  return text.substr(text.rfind('#') + 1);
}

std::size_t outbox_size(ServiceFixture& f) {
  std::ifstream in(f.outbox);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

OrderTerms terms(std::string amount, std::string currency, std::string payee) {
  return OrderTerms{std::move(amount), std::move(currency), std::move(payee)};
}

}  // namespace

TEST_CASE("a PSD2-bound code is approved only with the order it was issued for",
          "[integration][service][psd2]") {
  ServiceFixture f;
  const Brand brand = psd2_brand(f);
  const Answer created = f.create(brand, psd2_order);
  REQUIRE(created.error == errc::ok);
  CHECK(created.record->order_bound == 1);
  CHECK(f.last_sms_text().rfind("Pay €49.90 to Nordwind Shop: ", 0) == 0);
  const auto id = *VerificationId::parse(created.record->id.str());
  const std::string code = last_code(f);
  REQUIRE(code.size() == 6);
  const std::string any = "*";

  struct Wrong {
    const char* what;
    OrderTerms order;
  };
  const std::vector<Wrong> wrong = {
      {"amount", terms("49.91", "EUR", "Nordwind Shop")},
      {"currency", terms("49.90", "USD", "Nordwind Shop")},
      {"payee", terms("49.90", "EUR", "Nordwind Shop ")},
      {"no order", OrderTerms{}},
  };
  int left = 5;
  for (const auto& w : wrong) {
    CAPTURE(w.what);
    const Answer a = test::run_sync(f.ioc, f.service.check(id, any, code, w.order));
    CHECK(a.error == errc::code_invalid);
    CHECK(a.attempts_left == --left);
  }
  // The same order written differently: 49.9 == 49.90 == 049.90, currency in any case.
  const OrderTerms same = terms("049.9", "eur", "Nordwind Shop");
  const Answer ok = test::run_sync(f.ioc, f.service.check(id, any, code, same));
  CHECK(ok.error == errc::ok);
  REQUIRE(ok.record);
  CHECK(ok.record->status == Status::approved);
}

TEST_CASE("a check without an order is a wrong code for a PSD2-bound verification",
          "[integration][service][psd2]") {
  ServiceFixture f;
  const Brand brand = psd2_brand(f);
  const Answer created = f.create(brand, psd2_order);
  REQUIRE(created.error == errc::ok);
  const auto id = *VerificationId::parse(created.record->id.str());
  const std::string code = last_code(f);
  const std::string any = "*";
  const Answer bare = test::run_sync(f.ioc, f.service.check(id, any, code));
  CHECK(bare.error == errc::code_invalid);
  CHECK(bare.attempts_left == 4);
  const OrderTerms right = terms("49.90", "EUR", "Nordwind Shop");
  const Answer ok = test::run_sync(f.ioc, f.service.check(id, any, code, right));
  CHECK(ok.error == errc::ok);
}

TEST_CASE("wrong orders use up attempts and count toward the phone lock",
          "[integration][service][psd2]") {
  ServiceFixture f;
  Brand brand = psd2_brand(f);
  brand.code.max_attempts = 2;
  brand.lock.max_failed_checks = 2;
  const Answer created = f.create(brand, psd2_order);
  REQUIRE(created.error == errc::ok);
  const auto id = *VerificationId::parse(created.record->id.str());
  const std::string code = last_code(f);
  const std::string any = "*";
  const OrderTerms other_amount = terms("4.99", "EUR", "Nordwind Shop");
  const Answer first = test::run_sync(f.ioc, f.service.check(id, any, code, other_amount));
  CHECK(first.error == errc::code_invalid);
  CHECK(first.attempts_left == 1);
  const OrderTerms other_payee = terms("49.90", "EUR", "Evil Shop");
  const Answer last = test::run_sync(f.ioc, f.service.check(id, any, code, other_payee));
  CHECK(last.error == errc::verification_failed);  // the last attempt
  REQUIRE(last.record);
  CHECK(last.record->status == Status::failed);
  // The two wrong orders reached the brand's threshold: the phone is locked.
  const OrderTerms right = terms("49.90", "EUR", "Nordwind Shop");
  const Answer locked = test::run_sync(f.ioc, f.service.check(id, any, code, right));
  CHECK(locked.error == errc::phone_blocked);
  CHECK(locked.retry_after_ms > 0);
}

TEST_CASE("an unbound verification ignores the order a check presents",
          "[integration][service][psd2]") {
  ServiceFixture f;
  const Brand& brand = f.brands.at("nordwind");  // psd2_dynamic_linking: false
  const Answer created = f.create(brand, psd2_order);
  REQUIRE(created.error == errc::ok);
  CHECK(created.record->order_bound == 0);
  const auto id = *VerificationId::parse(created.record->id.str());
  const std::string code = last_code(f);
  const std::string any = "*";
  const OrderTerms other = terms("1.00", "USD", "Someone Else");
  const Answer ok = test::run_sync(f.ioc, f.service.check(id, any, code, other));
  CHECK(ok.error == errc::ok);
}

TEST_CASE("a PSD2 brand issues no code without amount, currency and payee",
          "[integration][service][psd2]") {
  ServiceFixture f;
  const Brand brand = psd2_brand(f);
  const std::size_t before = outbox_size(f);
  for (const std::string& order : {std::string(), std::string(R"({"amount":"1","currency":"EUR"})"),
                                   std::string(R"({"amount":"1","payee":"Shop"})")}) {
    CAPTURE(order);
    const Answer a = f.create(brand, order);
    CHECK(a.error == errc::permission_denied);
    CHECK(!a.record);
  }
  CHECK(outbox_size(f) == before);
}
