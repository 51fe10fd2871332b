// VerificationService::create (src/app/verification_service.cpp) on fakes of its ports: what a
// create answers, stores, sends and emits in each case the store, the limits and the gateways
// can bring about.
#include "app/service_world.hpp"

using namespace otpgate;
using namespace otpgate::test;

TEST_CASE("a create stores a pending verification, sends its code and emits created and sent",
          "[app][service][create]") {
  ServiceWorld w;
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  REQUIRE(a.record.has_value());
  CHECK(a.record->status == Status::pending);
  CHECK(a.record->sends == 1);
  CHECK(a.record->gateway == "alpha");
  CHECK(a.record->message_id == "alpha-1");
  CHECK(a.record->delivery_status == DeliveryStatus::accepted);
  CHECK(a.record->expires_ms == t0 + w.brand.code.ttl.count());
  CHECK_FALSE(a.replayed);
  // The store holds the code's MAC, never the code.
  const std::string code = w.code_of(a);
  REQUIRE(w.store.records.count(a.record->id.str()) == 1);
  CHECK(w.store.records.at(a.record->id.str()).code_mac != code);
  CHECK(w.store.records.at(a.record->id.str()).code_mac.size() == 64);
  // One SMS, to the number, with the code.
  REQUIRE(w.gateways["alpha"].sent.size() == 1);
  const SmsMessage& sms = w.gateways["alpha"].sent.front();
  CHECK(sms.to == "+4915112345678");
  CHECK(sms.sender_id == "Acme");
  CHECK(sms.verification_id == a.record->id.str());
  CHECK(sms.text.reveal().find("Acme code " + code) == 0);
  CHECK(w.gateways["beta"].sent.empty());
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::sent});
  CHECK(w.events.last(EventType::created)->prefix == "+49151");
  CHECK(w.events.last(EventType::sent)->segments == 1);
  CHECK(w.events.last(EventType::sent)->encoding == "gsm7");
}

TEST_CASE("a retried create with the same Idempotency-Key and body is replayed, not resent",
          "[app][service][create]") {
  ServiceWorld w;
  CreateCommand cmd = w.command();
  cmd.idempotency_key = "order-77";
  cmd.body = R"({"phone":"+4915112345678"})";
  const Answer first = w.create(cmd);
  REQUIRE(first.error == errc::ok);
  const Answer again = w.create(cmd);
  CHECK(again.error == errc::ok);
  CHECK(again.replayed);
  REQUIRE(again.record.has_value());
  CHECK(again.record->id == first.record->id);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.store.records.size() == 1);
  // The same key with another body is a conflict.
  cmd.body = R"({"phone":"+4915112345679"})";
  CHECK(w.create(cmd).error == errc::idempotency_conflict);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE(
    "a retry while the first request has not recorded its send is in flight, then sends "
    "the same verification",
    "[app][service][create]") {
  ServiceWorld w;
  CreateCommand cmd = w.command();
  cmd.idempotency_key = "order-78";
  cmd.body = "{}";
  w.store.fail_next["record_delivery"] = errc::store_timeout;
  const Answer first = w.create(cmd);
  CHECK(first.error == errc::store_timeout);
  const Answer retry = w.create(cmd);
  CHECK(retry.error == errc::idempotency_in_flight);
  CHECK(retry.retry_after_ms == 1'000);
  // In flight for the claim; then the retry takes the send over. The first send's record was
  // lost (and its background recording gives up when the claim runs out), so the same code
  // goes out once more, for the same id.
  w.clock.advance(w.service.claim_ms(w.brand));
  const Answer later = w.create(cmd);
  CHECK(later.error == errc::ok);
  CHECK_FALSE(later.replayed);
  CHECK(later.record->id.str() == w.store.records.begin()->first);
  CHECK(w.store.records.size() == 1);
  CHECK(w.gateways["alpha"].sent.size() == 2);
}

TEST_CASE("a create for a locked phone is refused with the lock's remaining time",
          "[app][service][create]") {
  ServiceWorld w;
  w.brand.lock.max_failed_checks = 2;
  w.publish();
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  const auto id = ServiceWorld::id_of(a);
  const std::string wrong = w.wrong_code(a);
  CHECK(w.check(id, wrong).error == errc::code_invalid);
  CHECK(w.check(id, wrong).error == errc::code_invalid);  // the second locks the phone
  w.clock.advance(60'000);
  const Answer blocked = w.create();
  CHECK(blocked.error == errc::phone_blocked);
  CHECK(blocked.retry_after_ms == w.brand.lock.duration.count() - 60'000);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  // Another phone is not locked.
  CHECK(w.create("+4915112345679").error == errc::ok);
}

TEST_CASE("a create over the phone's limit is refused with a rate_limited event and no SMS",
          "[app][service][create]") {
  ServiceWorld w;
  w.brand.limits.phone_per_10_minutes = Rate{1, 600'000};
  w.publish();
  REQUIRE(w.create().error == errc::ok);
  const Answer limited = w.create();
  CHECK(limited.error == errc::too_many_requests);
  CHECK(limited.limit == "phone");
  CHECK(limited.retry_after_ms == 600'000);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.store.records.size() == 1);
  REQUIRE(w.events.last(EventType::rate_limited).has_value());
  CHECK(w.events.last(EventType::rate_limited)->limit == "phone");
  CHECK(w.events.last(EventType::rate_limited)->verification_id.empty());
  // The brand-wide limits were not asked for a create the phone's slot refused.
  CHECK(w.limits.admissions.size() == 1);
}

TEST_CASE("a create the brand's limit refuses is taken back, with the phone's token",
          "[app][service][create]") {
  ServiceWorld w;
  w.brand.limits.phone_per_10_minutes = Rate{1, 600'000};
  w.brand.limits.brand_per_minute = Rate{1, 60'000};
  w.publish();
  REQUIRE(w.create("+4915112345678").error == errc::ok);
  const Answer refused = w.create("+4915112345679");
  CHECK(refused.error == errc::too_many_requests);
  CHECK(refused.limit == "brand");
  CHECK(refused.retry_after_ms == 60'000);
  CHECK(w.store.records.size() == 1);  // the refused create's record is gone
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.events.count(EventType::created) == 1);
  CHECK(w.events.last(EventType::rate_limited)->limit == "brand");
  // The phone's token came back: a minute later (the brand's limit refilled, the phone's
  // 10 minutes not) the second phone gets its code.
  w.clock.advance(60'000);
  CHECK(w.create("+4915112345679").error == errc::ok);
}

TEST_CASE("a create that trips the pumping watch is taken back and reported as prefix_blocked",
          "[app][service][create]") {
  ServiceWorld w;
  w.limits.next_admission =
      AdmissionVerdict{.what = AdmissionVerdict::kind::tripped, .retry_after_ms = 3'600'000};
  const Answer a = w.create();
  CHECK(a.error == errc::too_many_requests);
  CHECK(a.limit == "prefix_anomaly");
  CHECK(a.retry_after_ms == 3'600'000);
  CHECK(w.store.records.empty());
  CHECK(w.events.types() ==
        std::vector<EventType>{EventType::prefix_blocked, EventType::rate_limited});
  CHECK(w.events.last(EventType::prefix_blocked)->prefix == "+49151");
  // A prefix already blocked: no second prefix_blocked event.
  w.limits.next_admission =
      AdmissionVerdict{.what = AdmissionVerdict::kind::blocked, .retry_after_ms = 1'000};
  CHECK(w.create().limit == "prefix_anomaly");
  CHECK(w.events.count(EventType::prefix_blocked) == 1);
  CHECK(w.events.count(EventType::rate_limited) == 2);
}

TEST_CASE("a store error on the brand's admission answers the error and leaves the create unsent",
          "[app][service][create]") {
  // Whether the admission ran is unknown: the create stays for its retry or its deadline
  // (verification_service_first_send_test.cpp), with whatever tokens were taken.
  ServiceWorld w;
  w.limits.fail_next = errc::store_unavailable;
  CHECK(w.create().error == errc::store_unavailable);
  REQUIRE(w.store.records.size() == 1);
  CHECK(w.store.records.begin()->second.delivery_status == DeliveryStatus::queued);
  CHECK(w.gateways["alpha"].sent.empty());
}

TEST_CASE("a create no gateway accepts fails the verification with send_failed",
          "[app][service][create]") {
  ServiceWorld w;
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  const Answer a = w.create();
  CHECK(a.error == errc::sms_delivery_failed);
  REQUIRE(a.record.has_value());
  CHECK(a.record->status == Status::send_failed);
  CHECK(a.record->delivery_status == DeliveryStatus::failed);
  CHECK(w.gateways["alpha"].sent.size() == 1);  // permanent: no retry
  CHECK(w.gateways["beta"].sent.size() == 1);
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::send_failed});
  CHECK(w.events.last(EventType::send_failed)->reason == "ended");
}

TEST_CASE("a create fails over to the second gateway when the first refuses",
          "[app][service][create]") {
  ServiceWorld w;
  w.gateways.add("alpha", {permanent()});
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  CHECK(a.record->gateway == "beta");
  CHECK(a.record->message_id == "beta-1");
  CHECK(w.gateways["beta"].sent.size() == 1);
  CHECK(w.events.last(EventType::sent)->gateway == "beta");
}

TEST_CASE("a create outside the brand's countries or to a landline is refused with an event",
          "[app][service][create]") {
  ServiceWorld w;
  CreateCommand cmd = w.command("+33612345678");
  cmd.country = "FR";
  CHECK(w.create(cmd).error == errc::phone_not_allowed);
  CHECK(w.events.last(EventType::refused)->reason == "country");
  cmd = w.command();
  cmd.sms_line = false;
  const Answer landline = w.create(cmd);
  CHECK(landline.error == errc::phone_not_allowed);
  CHECK_FALSE(landline.message.empty());
  CHECK(w.events.last(EventType::refused)->reason == "line_type");
  CHECK(w.store.calls == 0);
  CHECK(w.gateways["alpha"].sent.empty());
}
