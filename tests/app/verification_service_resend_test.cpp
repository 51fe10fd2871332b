// VerificationService::resend, apply_report and PSD2-bound codes (src/app/verification_service.cpp)
// on fakes of its ports.
#include "app/service_world.hpp"
#include "otpgate/core/order.hpp"

#include <nlohmann/json.hpp>

using namespace otpgate;
using namespace otpgate::test;

TEST_CASE("a resend inside the cooldown is too soon, after it the same code goes out again",
          "[app][service][resend]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.clock.advance(10'000);
  const Answer soon = w.resend(id);
  CHECK(soon.error == errc::resend_too_soon);
  CHECK(soon.retry_after_ms == w.brand.code.resend_cooldown.count() - 10'000);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  w.clock.advance(soon.retry_after_ms);
  const Answer again = w.resend(id);
  REQUIRE(again.error == errc::ok);
  CHECK(again.record->sends == 2);
  REQUIRE(w.gateways["alpha"].sent.size() == 2);
  const std::string code = w.code_of(a);
  CHECK(w.gateways["alpha"].sent.back().text.reveal().find(code) != std::string::npos);
  CHECK(w.events.last(EventType::resent)->send == 2);
  CHECK(w.check(id, code).error == errc::ok);
}

TEST_CASE("resends stop at the brand's max sends", "[app][service][resend]") {
  ServiceWorld w;
  w.brand.code.max_sends = 2;
  w.publish();
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  REQUIRE(w.resend(id).error == errc::ok);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  const Answer limit = w.resend(id);
  CHECK(limit.error == errc::send_limit_reached);
  CHECK(limit.message.empty());
  CHECK(w.gateways["alpha"].sent.size() == 2);
}

TEST_CASE("no resend of a code with less than 30 s left", "[app][service][resend]") {
  ServiceWorld w;
  const Answer a = w.create();
  w.clock.advance(w.brand.code.ttl.count() - 29'000);
  const Answer late = w.resend(ServiceWorld::id_of(a));
  CHECK(late.error == errc::send_limit_reached);
  CHECK_FALSE(late.message.empty());
  CHECK(w.gateways["alpha"].sent.size() == 1);
  // The rate limits did not count a resend that could not happen.
  CHECK(w.limits.admissions.size() == 1);
}

TEST_CASE("a resend over the phone's limit is refused, a brand refusal gives the token back",
          "[app][service][resend]") {
  ServiceWorld w;
  w.brand.limits.phone_per_10_minutes = Rate{1, 600'000};
  w.publish();
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  const Answer limited = w.resend(id);
  CHECK(limited.error == errc::too_many_requests);
  CHECK(limited.limit == "phone");
  REQUIRE(w.events.last(EventType::rate_limited).has_value());
  CHECK(w.events.last(EventType::rate_limited)->verification_id == a.record->id.str());
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.store.records.at(id.str()).sends == 1);  // the store counted no send

  ServiceWorld v;
  v.brand.limits.brand_per_minute = Rate{1, 60'000};
  v.publish();
  const Answer b = v.create();
  v.clock.advance(v.brand.code.resend_cooldown.count());
  const auto limits_before = v.limits.book.tats;
  const Answer refused = v.resend(ServiceWorld::id_of(b));
  CHECK(refused.error == errc::too_many_requests);
  CHECK(refused.limit == "brand");
  // Every limit is as before the refused resend (the phone's token came back), and so is the
  // verification: the claimed send was taken back.
  CHECK(v.limits.book.tats == limits_before);
  const VerificationRecord& after = v.store.records.at(ServiceWorld::id_of(b).str());
  CHECK(after.sends == 1);
  CHECK(after.last_send_ms == b.record->last_send_ms);
}

TEST_CASE("a delivered report updates the state and emits delivered with its latency",
          "[app][service][report]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.clock.advance(4'000);
  const ReportUpdate delivered{
      .gateway = "alpha", .message_id = "alpha-1", .status = DeliveryStatus::delivered};
  CHECK(w.report(id, delivered) == errc::ok);
  CHECK(w.store.records.at(id.str()).delivery_status == DeliveryStatus::delivered);
  REQUIRE(w.events.last(EventType::delivered).has_value());
  CHECK(w.events.last(EventType::delivered)->latency_ms == 4'000);
  CHECK(w.events.last(EventType::delivered)->first_delivery);
  // The same report again, and another gateway's, change nothing and emit nothing.
  CHECK(w.report(id, delivered) == errc::ok);
  const ReportUpdate other{
      .gateway = "beta", .message_id = "x", .status = DeliveryStatus::undelivered};
  CHECK(w.report(id, other) == errc::ok);
  CHECK(w.events.count(EventType::delivered) == 1);
  CHECK(w.events.count(EventType::undelivered) == 0);
  // An unknown verification.
  const auto unknown = VerificationId::make(id.tag(), "zzzzzzzzzzzzzzzzzzzzzzzzzz");
  CHECK(w.report(unknown, delivered) == errc::not_found);
}

TEST_CASE("an undelivered report resends once through the next gateway when the brand asks",
          "[app][service][report]") {
  ServiceWorld w;
  w.brand.delivery.resend_on_undelivered = true;
  w.publish();
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const ReportUpdate undelivered{.gateway = "alpha",
                                 .message_id = "alpha-1",
                                 .status = DeliveryStatus::undelivered,
                                 .claim_resend = true};
  CHECK(w.report(id, undelivered) == errc::ok);
  CHECK(w.events.count(EventType::undelivered) == 1);
  REQUIRE(w.gateways["beta"].sent.size() == 1);
  CHECK(w.gateways["beta"].sent.front().text.reveal().find(w.code_of(a)) != std::string::npos);
  CHECK(w.store.records.at(id.str()).gateway == "beta");
  CHECK(w.events.last(EventType::resent)->gateway == "beta");
  // The one automatic resend is used: beta's undelivered report sends nothing more.
  const ReportUpdate again{.gateway = "beta",
                           .message_id = "beta-1",
                           .status = DeliveryStatus::undelivered,
                           .claim_resend = true};
  CHECK(w.report(id, again) == errc::ok);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.gateways["beta"].sent.size() == 1);
}

TEST_CASE("without resend_on_undelivered an undelivered report sends nothing",
          "[app][service][report]") {
  ServiceWorld w;
  const Answer a = w.create();
  const ReportUpdate undelivered{.gateway = "alpha",
                                 .message_id = "alpha-1",
                                 .status = DeliveryStatus::undelivered,
                                 .claim_resend = true};
  CHECK(w.report(ServiceWorld::id_of(a), undelivered) == errc::ok);
  CHECK(w.events.count(EventType::undelivered) == 1);
  CHECK(w.gateways["beta"].sent.empty());
}

TEST_CASE("a PSD2 brand binds the code to the order it was issued for", "[app][service][psd2]") {
  ServiceWorld w;
  w.brand.psd2_dynamic_linking = true;
  w.publish();
  CHECK(w.create().error == errc::permission_denied);  // no order: no unbound code
  CHECK(w.store.calls == 0);
  CreateCommand cmd = w.command();
  cmd.order = order_from_json(
      nlohmann::json::parse(R"({"amount":"49.90","currency":"EUR","payee":"Shop","id":"o-1"})"));
  REQUIRE(cmd.order.has_value());
  const Answer a = w.create(cmd);
  REQUIRE(a.error == errc::ok);
  CHECK(a.record->order_bound == 1);
  const auto id = ServiceWorld::id_of(a);
  const std::string code = w.code_of(a);
  const OrderTerms other{.amount = "49.91", .currency = "EUR", .payee = "Shop"};
  CHECK(w.check(id, code, other).error == errc::code_invalid);
  CHECK(w.check(id, code).error == errc::code_invalid);  // no order at all
  const OrderTerms same{.amount = "49.9", .currency = "eur", .payee = "Shop"};
  CHECK(w.check(id, code, same).error == errc::ok);
}
