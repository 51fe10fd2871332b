// A resend's claim under its Idempotency-Key (src/app/send_claims.cpp, verification_service.cpp)
// on fakes of the ports: a request that answers 503 before any gateway had the SMS never leaves
// a claim its retry would replay as sent; the retry sends it, once. (The scripts' side:
// tests/integration/store/redis/redis_store_send_claim_test.cpp.)
#include "app/service_world.hpp"

using namespace otpgate;
using namespace otpgate::test;

namespace {

const RetryKey shop_key{.key = "resend-1", .owner = "shop-key"};

Answer resend(ServiceWorld& w, const VerificationId& id) {
  return w.run(w.service.resend(id, any_brand, shop_key));
}

std::int64_t claim_ms(const ServiceWorld& w) {
  return w.service.claim_ms(w.brand);
}

// A created verification whose cooldown has passed.
VerificationId resendable(ServiceWorld& w) {
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  w.clock.advance(w.brand.code.resend_cooldown.count());
  return ServiceWorld::id_of(a);
}

}  // namespace

TEST_CASE("a resend whose answer was lost is sent by its retry at once and once",
          "[app][retry][send-claim]") {
  ServiceWorld w;
  const VerificationId id = resendable(w);
  w.store.lose_reply_next.insert("resend");
  CHECK(resend(w, id).error == errc::store_timeout);
  CHECK(w.gateways["alpha"].sent.size() == 1);  // the create's only
  const Answer retry = resend(w, id);
  REQUIRE(retry.error == errc::ok);
  CHECK_FALSE(retry.replayed);
  CHECK(w.gateways["alpha"].sent.size() == 2);
  CHECK(w.store.records.at(id.str()).sends == 2);  // counted once, by the lost request
  CHECK(w.events.count(EventType::resent) == 1);
  // Settled by the retry's send: from now on a replay, and no more SMS.
  const Answer replay = resend(w, id);
  CHECK(replay.error == errc::ok);
  CHECK(replay.replayed);
  CHECK(w.gateways["alpha"].sent.size() == 2);
}

TEST_CASE("a lost resend whose claim could not be given back: retries wait, then send it",
          "[app][retry][send-claim]") {
  ServiceWorld w;
  const VerificationId id = resendable(w);
  w.store.lose_reply_next.insert("resend");
  w.store.release_failures = 1'000;
  CHECK(resend(w, id).error == errc::store_timeout);
  w.clock.advance(claim_ms(w) - 1);
  const Answer waiting = resend(w, id);
  CHECK(waiting.error == errc::idempotency_in_flight);
  CHECK(waiting.retry_after_ms > 0);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  w.clock.advance(1);
  const Answer retry = resend(w, id);
  REQUIRE(retry.error == errc::ok);
  CHECK(w.gateways["alpha"].sent.size() == 2);
}

TEST_CASE("a resend whose claim Redis used up before the send sends nothing: its retry does",
          "[app][retry][send-claim]") {
  ServiceWorld w;
  const VerificationId id = resendable(w);
  // The resend script answers just too late for the send and its recording to fit the claim.
  const std::int64_t lead = w.service.claim_lead_ms() + 1;
  w.store.on_call = [&](const std::string& op) {
    if (op == "resend") w.clock.advance(lead);
  };
  const Answer first = resend(w, id);
  CHECK(first.error == errc::store_timeout);
  CHECK(w.gateways["alpha"].sent.size() == 1);  // the create's only
  w.store.on_call = nullptr;
  // The claim was given back: the retry sends at once, once, and replays from then on.
  const Answer retry = resend(w, id);
  REQUIRE(retry.error == errc::ok);
  CHECK_FALSE(retry.replayed);
  CHECK(w.gateways["alpha"].sent.size() == 2);
  CHECK(resend(w, id).replayed);
  CHECK(w.gateways["alpha"].sent.size() == 2);
}

TEST_CASE("a resend whose brand admission went unanswered is released, not undone",
          "[app][retry][send-claim]") {
  ServiceWorld w;
  const VerificationId id = resendable(w);
  w.limits.fail_next = errc::store_timeout;
  CHECK(resend(w, id).error == errc::store_timeout);
  CHECK(w.store.records.at(id.str()).sends == 2);  // the claim stands for the retry
  const Answer retry = resend(w, id);
  REQUIRE(retry.error == errc::ok);
  CHECK(w.gateways["alpha"].sent.size() == 2);
  CHECK(w.store.records.at(id.str()).sends == 2);
}

TEST_CASE("a resend whose delivery went unrecorded after no gateway took it is released",
          "[app][retry][send-claim]") {
  ServiceWorld w;
  const VerificationId id = resendable(w);
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  w.store.fail_next["record_delivery"] = errc::store_timeout;
  CHECK(resend(w, id).error == errc::store_timeout);
  w.gateways.add("alpha", {accepted("alpha-2")});  // the gateway is back
  const Answer retry = resend(w, id);
  REQUIRE(retry.error == errc::ok);
  CHECK(w.store.records.at(id.str()).delivery_status == DeliveryStatus::accepted);
}

TEST_CASE("a resend without a key keeps today's answers: a lost one is too soon to retry",
          "[app][retry][send-claim]") {
  ServiceWorld w;
  const VerificationId id = resendable(w);
  w.store.lose_reply_next.insert("resend");
  CHECK(w.resend(id).error == errc::store_timeout);
  CHECK(w.resend(id).error == errc::resend_too_soon);
  CHECK(w.store.retries.empty());
}
