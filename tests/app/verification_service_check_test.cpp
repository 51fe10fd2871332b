// VerificationService::check, get and cancel (src/app/verification_service.cpp) on fakes of its
// ports: the answers, attempts and events of a check, the phone lock, expiry recorded once.
#include "app/service_world.hpp"

using namespace otpgate;
using namespace otpgate::test;

TEST_CASE("the right code approves with checked_right and approved events",
          "[app][service][check]") {
  ServiceWorld w;
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  const Answer ok = w.check(ServiceWorld::id_of(a), w.code_of(a));
  CHECK(ok.error == errc::ok);
  REQUIRE(ok.record.has_value());
  CHECK(ok.record->status == Status::approved);
  CHECK(ok.record->attempts_used == 1);
  CHECK(w.events.count(EventType::checked_right) == 1);
  REQUIRE(w.events.last(EventType::approved).has_value());
  CHECK(w.events.last(EventType::approved)->attempt == 1);
  CHECK(w.events.last(EventType::approved)->send == 1);
  // Approved is final.
  CHECK(w.check(ServiceWorld::id_of(a), w.code_of(a)).error == errc::not_pending);
}

TEST_CASE("a wrong code answers the attempts left, the last one fails the verification",
          "[app][service][check]") {
  ServiceWorld w;
  w.brand.code.max_attempts = 3;
  w.publish();
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const std::string wrong = w.wrong_code(a);
  const Answer first = w.check(id, wrong);
  CHECK(first.error == errc::code_invalid);
  CHECK(first.attempts_left == 2);
  CHECK(w.check(id, wrong).attempts_left == 1);
  const Answer last = w.check(id, wrong);
  CHECK(last.error == errc::verification_failed);
  REQUIRE(last.record.has_value());
  CHECK(last.record->status == Status::failed);
  CHECK(w.events.count(EventType::checked_wrong) == 3);
  CHECK(w.events.count(EventType::failed) == 1);
  // Even the right code cannot approve a failed verification.
  CHECK(w.check(id, w.code_of(a)).error == errc::not_pending);
}

TEST_CASE("an alphanumeric code is checked case-insensitively", "[app][service][check]") {
  ServiceWorld w;
  w.brand.code.format = CodeFormat{.length = 8, .alphabet = CodeAlphabet::alphanumeric};
  w.publish();
  const Answer a = w.create();
  REQUIRE(a.record->code_format.alphabet == CodeAlphabet::alphanumeric);
  std::string typed = w.code_of(a);
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(w.check(ServiceWorld::id_of(a), typed).error == errc::ok);
}

TEST_CASE("wrong codes across verifications lock the phone, with a locked event",
          "[app][service][check]") {
  ServiceWorld w;
  w.brand.lock.max_failed_checks = 3;
  w.brand.lock.duration = milliseconds(60'000);  // shorter than the code's validity
  w.publish();
  const Answer a = w.create();
  const Answer b = w.create();
  CHECK(w.check(ServiceWorld::id_of(a), w.wrong_code(a)).error == errc::code_invalid);
  CHECK(w.check(ServiceWorld::id_of(b), w.wrong_code(b)).error == errc::code_invalid);
  CHECK(w.events.count(EventType::locked) == 0);
  CHECK(w.check(ServiceWorld::id_of(a), w.wrong_code(a)).error == errc::code_invalid);
  CHECK(w.events.count(EventType::locked) == 1);
  // Locked: even the right code is not evaluated.
  const Answer blocked = w.check(ServiceWorld::id_of(b), w.code_of(b));
  CHECK(blocked.error == errc::phone_blocked);
  CHECK(blocked.retry_after_ms == w.brand.lock.duration.count());
  // After the lock the right code approves.
  w.clock.advance(w.brand.lock.duration.count());
  CHECK(w.check(ServiceWorld::id_of(b), w.code_of(b)).error == errc::ok);
}

TEST_CASE("a check after expiry answers expired and emits expired", "[app][service][check]") {
  ServiceWorld w;
  const Answer a = w.create();
  w.clock.advance(w.brand.code.ttl.count());
  CHECK(w.check(ServiceWorld::id_of(a), w.code_of(a)).error == errc::verification_expired);
  CHECK(w.events.count(EventType::expired) == 1);
}

TEST_CASE("another brand's verification is not found", "[app][service][check]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const std::string other = "other";
  CHECK(w.run(w.service.check(id, other, w.code_of(a))).error == errc::not_found);
  CHECK(w.run(w.service.get(id, other)).error == errc::not_found);
  CHECK(w.run(w.service.cancel(id, other)).error == errc::not_found);
  const std::string own = "acme";
  CHECK(w.run(w.service.get(id, own)).error == errc::ok);
}

TEST_CASE("the first read after expiry records it, the expired event is emitted once",
          "[app][service][get]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const Answer before = w.run(w.service.get(id, any_brand));
  CHECK(before.record->status == Status::pending);
  w.clock.advance(w.brand.code.ttl.count());
  const Answer first = w.run(w.service.get(id, any_brand));
  REQUIRE(first.record.has_value());
  CHECK(first.record->status == Status::expired);
  CHECK(w.store.records.at(id.str()).status == Status::expired);
  CHECK(w.run(w.service.get(id, any_brand)).record->status == Status::expired);
  CHECK(w.events.count(EventType::expired) == 1);
  CHECK(w.cancel(id).error == errc::verification_expired);
  CHECK(w.resend(id).error == errc::verification_expired);
}

TEST_CASE("a cancel ends a pending verification once", "[app][service][cancel]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  const Answer cancelled = w.cancel(id);
  CHECK(cancelled.error == errc::ok);
  CHECK(cancelled.record->status == Status::cancelled);
  CHECK(w.events.count(EventType::cancelled) == 1);
  CHECK(w.cancel(id).error == errc::not_pending);
  CHECK(w.check(id, w.code_of(a)).error == errc::not_pending);
  CHECK(w.events.count(EventType::cancelled) == 1);
}

TEST_CASE("a store error is the answer", "[app][service]") {
  ServiceWorld w;
  const Answer a = w.create();
  const auto id = ServiceWorld::id_of(a);
  w.store.fail_next["check"] = errc::store_timeout;
  CHECK(w.check(id, w.code_of(a)).error == errc::store_timeout);
  w.store.fail_next["create"] = errc::store_unavailable;
  CHECK(w.create().error == errc::store_unavailable);
  CHECK(w.check(id, w.code_of(a)).error == errc::ok);  // nothing was changed
}
