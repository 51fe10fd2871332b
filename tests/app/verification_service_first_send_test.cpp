// VerificationService::create's faults on fakes of its ports: a create whose answer was lost
// (Redis ran it, the request answered 503) is finished by its idempotent retry, with the first
// request's tokens, or ended send_failed at its deadline by end_overdue_sends.
#include "app/service_world.hpp"

#include "otpgate/core/first_send.hpp"

#include <algorithm>

using namespace otpgate;
using namespace otpgate::test;

namespace {

CreateCommand keyed(ServiceWorld& w, const std::string& key) {
  CreateCommand cmd = w.command();
  cmd.idempotency_key = key;
  cmd.body = R"({"phone_number":"+4915112345678"})";
  return cmd;
}

// The one record the store holds (the lost create's).
const VerificationRecord& only_record(const ServiceWorld& w) {
  REQUIRE(w.store.records.size() == 1);
  return w.store.records.begin()->second;
}

// The one record to a phone.
const VerificationRecord& record_to(const ServiceWorld& w, const std::string& phone) {
  const auto it = std::find_if(w.store.records.begin(), w.store.records.end(),
                               [&](const auto& r) { return r.second.phone.e164() == phone; });
  REQUIRE(it != w.store.records.end());
  return it->second;
}

std::size_t sweep(ServiceWorld& w) {
  return run_sync(w.ioc, w.service.end_overdue_sends(100));
}

std::int64_t claim_ms(const ServiceWorld& w) {
  return w.service.claim_ms(w.brand);
}

// Lets the background work run (the index entries go), then checks that the deadline sweep
// finds nothing to visit.
void expect_nothing_for_the_sweep(ServiceWorld& w) {
  w.ioc.restart();
  w.ioc.poll();
  CHECK(w.store.unsent.empty());
  w.clock.advance(send_deadline_ms(claim_ms(w)));
  CHECK(sweep(w) == 0);
}

}  // namespace

TEST_CASE("a create whose answer was lost is sent by its retry at once: the same id, one SMS",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  w.brand.limits.phone_per_10_minutes = Rate{1, 600'000};
  w.publish();
  const CreateCommand cmd = keyed(w, "order-1");
  w.store.lose_reply_next.insert("create");
  CHECK(w.create(cmd).error == errc::store_timeout);
  const VerificationRecord ghost = only_record(w);
  CHECK(ghost.delivery_status == DeliveryStatus::queued);
  CHECK(w.gateways["alpha"].sent.empty());
  // The request that answered 503 gave its claim back: the retry need not wait it out.
  const Answer retried = w.create(cmd);
  REQUIRE(retried.error == errc::ok);
  CHECK_FALSE(retried.replayed);
  CHECK(retried.record->id == ghost.id);
  CHECK(retried.record->delivery_status == DeliveryStatus::accepted);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.store.records.size() == 1);
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::sent});
  // The phone's one token was the first request's: another create is over the limit now.
  CHECK(w.create("+4915112345678").error == errc::too_many_requests);
  // From now on the key replays the sent verification, without another SMS.
  const Answer replay = w.create(cmd);
  CHECK(replay.replayed);
  CHECK(replay.record->id == ghost.id);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("a lost create whose claim could not be given back: the retry waits it out",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-5");
  w.store.lose_reply_next.insert("create");
  w.store.release_failures = 1'000;  // Redis stays away for every attempt
  CHECK(w.create(cmd).error == errc::store_timeout);
  // The first request's claim on the send runs until the delivery deadline plus 5 s.
  w.clock.advance(claim_ms(w) - 1);
  CHECK(w.create(cmd).error == errc::idempotency_in_flight);
  w.clock.advance(1);
  const Answer retried = w.create(cmd);
  REQUIRE(retried.error == errc::ok);
  CHECK(retried.record->id == only_record(w).id);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("a create whose brand admission went unanswered stays for its retry, not undone",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-2");
  w.limits.fail_next = errc::store_timeout;
  CHECK(w.create(cmd).error == errc::store_timeout);
  const VerificationRecord ghost = only_record(w);
  CHECK(ghost.status == Status::pending);
  const Answer retried = w.create(cmd);
  REQUIRE(retried.error == errc::ok);
  CHECK(retried.record->id == ghost.id);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("two retries of a lost create: the first takes the send over, the other waits",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-3");
  w.store.release_failures = 1'000;
  w.store.lose_reply_next.insert("create");
  CHECK(w.create(cmd).error == errc::store_timeout);
  w.clock.advance(claim_ms(w));
  // The first retry's answer is lost too, after its claim: the second waits for that claim.
  w.store.lose_reply_next.insert("create");
  CHECK(w.create(cmd).error == errc::store_timeout);
  CHECK(w.create(cmd).error == errc::idempotency_in_flight);
  w.clock.advance(claim_ms(w));
  const Answer third = w.create(cmd);
  REQUIRE(third.error == errc::ok);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("a create whose first send is recorded leaves nothing for the deadline sweep",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  REQUIRE(w.create("+4915112345679").error == errc::ok);
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  // No gateway took it: recorded as failed, so settled too.
  REQUIRE(w.create("+4915112345670").error == errc::sms_delivery_failed);
  REQUIRE(w.store.records.size() == 2);
  expect_nothing_for_the_sweep(w);
}

TEST_CASE("an unsent create nobody retries ends send_failed at its deadline, once",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-4");
  w.store.lose_reply_next.insert("create");
  CHECK(w.create(cmd).error == errc::store_timeout);
  w.store.fail_next["forget_first_send"] = errc::store_timeout;
  const Answer sent = w.create("+4915112345679");  // sent, its entry kept: the sweep drops it
  REQUIRE(sent.error == errc::ok);
  // The deadline: the create's claim, then the retries' window.
  w.clock.advance(send_deadline_ms(claim_ms(w)) - 1);
  CHECK(sweep(w) == 0);
  CHECK(record_to(w, "+4915112345678").status == Status::pending);
  w.clock.advance(1);
  CHECK(sweep(w) == 2);
  const VerificationRecord& ended = record_to(w, "+4915112345678");
  CHECK(ended.status == Status::send_failed);
  CHECK(ended.delivery_status == DeliveryStatus::failed);
  CHECK(w.store.records.at(sent.record->id.str()).status == Status::pending);
  REQUIRE(w.events.last(EventType::send_failed));
  CHECK(w.events.last(EventType::send_failed)->reason == "ended");
  CHECK(w.events.last(EventType::send_failed)->verification_id == ended.id.str());
  CHECK(w.store.unsent.empty());
  const std::size_t events = w.events.types().size();
  CHECK(sweep(w) == 0);
  CHECK(w.events.types().size() == events);
  // A late retry hears that no SMS went out, and sends none.
  const Answer replay = w.create(cmd);
  CHECK(replay.error == errc::sms_delivery_failed);
  CHECK(replay.replayed);
  CHECK(replay.record->id == ended.id);
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("a retry with under 30 s of the code left ends the create send_failed, sending nothing",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-5");
  w.store.lose_reply_next.insert("create");
  CHECK(w.create(cmd).error == errc::store_timeout);
  w.clock.advance(w.brand.code.ttl.count() - min_resend_validity_ms + 1);
  const Answer late = w.create(cmd);
  CHECK(late.error == errc::sms_delivery_failed);
  CHECK(late.record->status == Status::send_failed);
  CHECK(late.record->delivery_status == DeliveryStatus::failed);
  CHECK(w.gateways["alpha"].sent.empty());
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::send_failed});
}

TEST_CASE("a create whose claim Redis used up before the send: one created event, by the retry",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-6");
  // The create's script answers just too late for the send and its recording to fit the claim.
  const std::int64_t lead = w.service.claim_lead_ms() + 1;
  w.store.on_call = [&](const std::string& op) {
    if (op == "create") w.clock.advance(lead);
  };
  CHECK(w.create(cmd).error == errc::store_timeout);
  CHECK(w.gateways["alpha"].sent.empty());
  CHECK(w.events.count(EventType::created) == 0);  // before: emitted by a request that sent none
  w.store.on_call = nullptr;
  const Answer retried = w.create(cmd);
  REQUIRE(retried.error == errc::ok);
  CHECK(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::sent});
}

TEST_CASE("a claim's lead covers two Redis command deadlines",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  CHECK(w.service.claim_lead_ms() == 5'000);  // the default 1 s deadline
  // A 10 s deadline: a create whose calls before the send took 18 s still sends.
  ServiceDeps deps{w.registry, w.store, w.limits, w.events, w.dispatcher, w.clock,
                   w.random,   w.keys,  60'000,   10'000};
  VerificationService slow_redis{deps};
  CHECK(slow_redis.claim_lead_ms() == 23'000);
  const CreateCommand cmd = keyed(w, "order-7");
  w.store.on_call = [&](const std::string& op) {
    if (op == "create") w.clock.advance(18'000);
  };
  const Answer a = w.run(slow_redis.create(cmd));
  CHECK(a.error == errc::ok);  // before: 503 whenever the calls took over 5 s
  CHECK(w.gateways["alpha"].sent.size() == 1);
}

TEST_CASE("a sent create recorded late without a key is recorded past a release's 16 tries",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  // Redis answers no recording for 18 tries (about 4 s), then does.
  int refused = 0;
  w.store.on_call = [&](const std::string& op) {
    if (op == "record_delivery" && ++refused <= 19)
      w.store.fail_next["record_delivery"] = errc::store_timeout;
  };
  const Answer a = w.create("+4915112345678");
  CHECK(a.error == errc::store_timeout);
  w.ioc.restart();
  w.ioc.run();  // the recording, in the background
  CHECK(refused == 20);
  const VerificationRecord& r = only_record(w);
  CHECK(r.delivery_status == DeliveryStatus::accepted);  // before: left queued, then send_failed
  CHECK(w.events.count(EventType::sent) == 1);
  CHECK(w.store.unsent.empty());
}

TEST_CASE("a replayed create leaves no entry for the deadline sweep",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-8");
  REQUIRE(w.create(cmd).error == errc::ok);
  const Answer replay = w.create(cmd);
  REQUIRE(replay.replayed);
  // Before: the replay's draft id stayed, for the sweep to visit.
  expect_nothing_for_the_sweep(w);
}

TEST_CASE("a create whose failed send went unrecorded is counted started once: by its retry",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  const CreateCommand cmd = keyed(w, "order-9");
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  w.store.fail_next["record_delivery"] = errc::store_timeout;
  CHECK(w.create(cmd).error == errc::store_timeout);  // no gateway took it: the claim goes back
  w.gateways.add("alpha", {accepted("alpha-2")});
  const Answer retried = w.create(cmd);
  REQUIRE(retried.error == errc::ok);
  // Before: created, then created and sent again by the retry.
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::sent});
}

TEST_CASE("a failed first send recorded without an answer still has its created and send_failed",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  SECTION("without a key") {
    w.store.lose_reply_next.insert("record_delivery");
    CHECK(w.create("+4915112345678").error == errc::store_timeout);
  }
  SECTION("with a key: its retry replays the failure") {
    const CreateCommand cmd = keyed(w, "order-10");
    w.store.lose_reply_next.insert("record_delivery");
    CHECK(w.create(cmd).error == errc::store_timeout);
    w.ioc.restart();
    w.ioc.run();
    const Answer replay = w.create(cmd);
    CHECK(replay.replayed);
    CHECK(replay.error == errc::sms_delivery_failed);
  }
  w.ioc.restart();
  w.ioc.run();  // the settling, in the background
  CHECK(only_record(w).status == Status::send_failed);
  // Before: nothing (created waited for an answer that was lost, the replay emits nothing).
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::send_failed});
  CHECK(w.store.unsent.empty());
}

TEST_CASE("a failed first send whose answer was lost is settled however long Redis stays away",
          "[app][service][create][first-send]") {
  ServiceWorld w;
  w.gateways.add("alpha", {permanent()});
  w.gateways.add("beta", {permanent()});
  w.store.lose_reply_next.insert("record_delivery");
  // Redis answers no read for 20 tries (about 5 s; before, the settling gave up after 16).
  int refused = 0;
  w.store.on_call = [&](const std::string& op) {
    if (op == "get" && ++refused <= 20) w.store.fail_next["get"] = errc::store_unavailable;
  };
  CHECK(w.create(keyed(w, "order-11")).error == errc::store_timeout);
  w.ioc.restart();
  w.ioc.run();
  CHECK(refused == 21);
  CHECK(w.events.types() == std::vector<EventType>{EventType::created, EventType::send_failed});
}
