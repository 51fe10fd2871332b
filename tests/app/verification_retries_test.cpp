// Retries with an Idempotency-Key on check, resend and cancel (src/app/verification_retries.cpp,
// src/app/verification_service.cpp) on fakes of the ports: a retry answers as the first request
// did and changes nothing, another request with the key conflicts, keys of two API keys never
// meet. (The Redis scripts' side: tests/integration/store/redis/redis_store_retry_test.cpp.)
#include "app/service_world.hpp"

using namespace otpgate;
using namespace otpgate::test;

namespace {

const RetryKey shop_key{.key = "retry-1", .owner = "shop-key"};

Answer check(ServiceWorld& w, const VerificationId& id, const std::string& code,
             const RetryKey& key = shop_key) {
  const OrderTerms none;
  return w.run(w.service.check(id, any_brand, code, none, key));
}

}  // namespace

TEST_CASE("a retried wrong check answers the same 422 and uses one attempt", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const Answer first = check(w, id, w.wrong_code(a));
  REQUIRE(first.error == errc::code_invalid);
  CHECK_FALSE(first.replayed);
  const Answer retry = check(w, id, w.wrong_code(a));
  CHECK(retry.error == errc::code_invalid);
  CHECK(retry.replayed);
  CHECK(retry.attempts_left == first.attempts_left);
  CHECK(w.store.records.at(id.str()).attempts_used == 1);
  CHECK(w.events.count(EventType::checked_wrong) == 1);
}

TEST_CASE("a retried right check answers approved and not 409", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  // The first check approved; its answer never reached the shop.
  REQUIRE(check(w, id, w.code_of(a)).error == errc::ok);
  const Answer retry = check(w, id, w.code_of(a));
  CHECK(retry.error == errc::ok);
  CHECK(retry.replayed);
  REQUIRE(retry.record.has_value());
  CHECK(retry.record->status == Status::approved);
  CHECK(w.events.count(EventType::approved) == 1);
  // Without the key the same retry hears not_pending.
  CHECK(w.check(id, w.code_of(a)).error == errc::not_pending);
}

TEST_CASE("a key reused with another code or action conflicts and changes nothing",
          "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  REQUIRE(check(w, id, w.wrong_code(a)).error == errc::code_invalid);
  CHECK(check(w, id, w.code_of(a)).error == errc::idempotency_conflict);
  const Answer cancel = w.run(w.service.cancel(id, any_brand, shop_key));
  CHECK(cancel.error == errc::idempotency_conflict);
  CHECK(w.store.records.at(id.str()).status == Status::pending);
  CHECK(w.store.records.at(id.str()).attempts_used == 1);
}

TEST_CASE("two API keys' entries never meet", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  REQUIRE(check(w, id, w.wrong_code(a)).error == errc::code_invalid);
  const RetryKey other{.key = shop_key.key, .owner = "other-key"};
  const Answer theirs = check(w, id, w.code_of(a), other);
  CHECK(theirs.error == errc::ok);
  CHECK_FALSE(theirs.replayed);
}

TEST_CASE("a retried resend sends no second SMS", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  const Answer first = w.run(w.service.resend(id, any_brand, shop_key));
  REQUIRE(first.error == errc::ok);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  const Answer retry = w.run(w.service.resend(id, any_brand, shop_key));
  CHECK(retry.error == errc::ok);
  CHECK(retry.replayed);
  CHECK(w.gateways["alpha"].sent.size() == 2);
  CHECK(w.store.records.at(id.str()).sends == 2);
  CHECK(w.events.count(EventType::resent) == 1);
}

TEST_CASE("a retried resend whose send every gateway refused answers 502 again", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  w.clock.advance(w.brand.code.resend_cooldown.count());
  const Answer first = w.run(w.service.resend(id, any_brand, shop_key));
  REQUIRE(first.error == errc::sms_delivery_failed);
  const Answer retry = w.run(w.service.resend(id, any_brand, shop_key));
  CHECK(retry.error == errc::sms_delivery_failed);
  CHECK(retry.replayed);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("a resend the brand's limits refused is judged anew on retry", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  w.limits.next_admission = AdmissionVerdict{
      .what = AdmissionVerdict::kind::limited, .scope = LimitScope::brand, .retry_after_ms = 1'000};
  const Answer refused = w.run(w.service.resend(id, any_brand, shop_key));
  REQUIRE(refused.error == errc::too_many_requests);
  CHECK(w.store.retries.empty());
  const Answer retry = w.run(w.service.resend(id, any_brand, shop_key));
  CHECK(retry.error == errc::ok);
  CHECK_FALSE(retry.replayed);
  CHECK(w.gateways["alpha"].sent.size() == 2);
}

TEST_CASE("a retried cancel answers the first outcome", "[app][retry]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const Answer first = w.run(w.service.cancel(id, any_brand, shop_key));
  REQUIRE(first.error == errc::ok);
  const Answer retry = w.run(w.service.cancel(id, any_brand, shop_key));
  CHECK(retry.error == errc::ok);
  CHECK(retry.replayed);
  REQUIRE(retry.record.has_value());
  CHECK(retry.record->status == Status::cancelled);
  CHECK(w.events.count(EventType::cancelled) == 1);
}
