// The verification use cases (src/app/verification_service.cpp) in a world of fakes: the
// in-memory store and limiter (they decide by the core's rules), a recording event sink, two
// scripted gateways ("alpha", then "beta") behind the core's circuit breakers, a clock the test
// moves. The one place that builds a VerificationService for the app tests: when its
// dependencies or CreateCommand change, this is what adapts.
#pragma once

#include "otpgate/app/verification_service.hpp"
#include "otpgate/core/code.hpp"

#include "support/fakes/clock.hpp"
#include "support/fakes/event_sink.hpp"
#include "support/fakes/keyring.hpp"
#include "support/fakes/network_signals.hpp"
#include "support/fakes/random.hpp"
#include "support/fakes/rate_limiter.hpp"
#include "support/fakes/sms_gateway.hpp"
#include "support/fakes/verification_store.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace otpgate::test {

inline constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z
inline const std::string any_brand = "*";

// The brand of the app tests: brand_from_json's defaults, two gateways, an English template,
// quick retries (the dispatcher's backoff is a real timer).
inline Brand test_brand() {
  const nlohmann::json doc = {{"display_name", "Acme"},
                              {"sender_id", "Acme"},
                              {"locales", {"en"}},
                              {"default_locale", "en"},
                              {"allowed_countries", {"DE", "AT"}},
                              {"gateways", {"alpha", "beta"}}};
  Brand b = brand_from_json(*BrandId::parse("acme"), doc);
  std::string error;
  b.templates.emplace("en", *Template::parse("{{brand}} code {{code}}", error));
  b.support_call_templates.emplace("en", *Template::parse("Read {{code}} to the agent", error));
  b.delivery.backoff = b.delivery.max_backoff = milliseconds(1);
  return b;
}

struct ServiceWorld {
  boost::asio::io_context ioc;
  FakeClock clock{t0};
  SeededRandom random{42};
  FakeKeyring keys = keyring();
  FakeRateLimiter limits;
  FakeVerificationStore store{limits.book};  // one Redis: the phone's limits are shared
  RecordingEventSink events;
  FakeGateways gateways;
  FakeNetworkSignals signals;  // asked only when the brand has a signals policy
  // The brand as the tests edit it; publish() puts it into the registry.
  Brand brand = test_brand();
  BrandRegistry registry{BrandCatalog{{"acme", brand}}};
  SmsDispatcher dispatcher{gateways.instances, gateways.circuits, clock, random};
  VerificationService service{
      ServiceDeps{registry, store, limits, events, dispatcher, clock, random, keys, 60'000, 1'000,
                  &signals}};

  ServiceWorld() {
    gateways.add("alpha", {accepted("alpha-1")});
    gateways.add("beta", {accepted("beta-1")});
  }

  // Makes the edited brand the one in effect (as a reload would).
  void publish() { registry.replace_files(BrandCatalog{{"acme", brand}}); }

  // A create of the brand in effect to a German mobile number; tests change what they need.
  CreateCommand command(const std::string& phone = "+4915112345678") {
    snapshot_ = registry.current();
    return CreateCommand{.brand = &snapshot_->at("acme"),
                         .phone = *PhoneNumber::parse_e164(phone),
                         .country = "DE",
                         .locale = "en"};
  }

  Answer run(task<Answer> call) { return run_sync(ioc, std::move(call)); }
  Answer create(const CreateCommand& cmd) { return run(service.create(cmd)); }
  Answer create(const std::string& phone = "+4915112345678") { return create(command(phone)); }
  Answer check(const VerificationId& id, const std::string& code) {
    return run(service.check(id, any_brand, code));
  }
  Answer check(const VerificationId& id, const std::string& code, const OrderTerms& order) {
    return run(service.check(id, any_brand, code, order));
  }
  Answer resend(const VerificationId& id) { return run(service.resend(id, any_brand)); }
  Answer cancel(const VerificationId& id) { return run(service.cancel(id, any_brand)); }
  errc report(const VerificationId& id, const ReportUpdate& r) {
    return run_sync(ioc, service.apply_report(id, r));
  }

  // The code the verification's SMS carried (derived as the service derives it).
  std::string code_of(const Answer& a) const {
    REQUIRE(a.record.has_value());
    return derive_code(keys, a.record->code_format, id_of(a)).reveal();
  }
  static VerificationId id_of(const Answer& a) {
    REQUIRE(a.record.has_value());
    REQUIRE_FALSE(a.record->id.empty());
    return a.record->id;
  }
  // A code of the right length that is not the verification's.
  std::string wrong_code(const Answer& a) const {
    const std::string right = code_of(a);
    return right == "000000" ? "111111" : "000000";
  }

 private:
  std::shared_ptr<const BrandCatalog> snapshot_;
};

}  // namespace otpgate::test
