// app/support_service: support's subscriber lookup and unlock and the audit log's pages, on
// in-memory ports (support/fakes): the audit entry before the action (and no action
// without it), the entry's fields, the unlock event only for a phone that was locked, and an
// unlock's Idempotency-Key (one entry, one event, the first answer replayed).
#include "otpgate/app/support_service.hpp"

#include "support/fakes/support_ports.hpp"
#include "support/fakes/clock.hpp"
#include "support/fakes/keyring.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/io_context.hpp>

using namespace otpgate;
using otpgate::test::run_sync;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

constexpr const char* phone_e164 = "+4915112345678";

struct SupportWorld {
  boost::asio::io_context ioc;
  Strings journal;
  test::FakeAuditLog audit{journal};
  test::FakeSubscriberStore subscribers{journal};
  test::FakePhoneParser phones;
  test::RecordingEventSink events;
  test::FakeClock clock{1'700'000'000'000};
  test::FakeKeyring keys = test::keyring();
  SupportService service{audit, subscribers, phones, events, clock, keys};

  SubscriberAction action(const std::string& reason = "", const std::string& key = "",
                          const std::string& actor = "support-key") {
    auto phone = service.phone(phone_e164);
    REQUIRE(std::holds_alternative<ParsedPhone>(phone));
    return SubscriberAction{.brand = "acme",
                            .phone = std::get<ParsedPhone>(phone),
                            .actor = actor,
                            .reason = reason,
                            .idempotency_key = key};
  }
  void lock_phone() {
    SubscriberState& s = subscribers.states[std::string("acme|") + phone_e164];
    s.locked_for_ms = 600'000;
    s.failed_checks = 5;
  }
};

template <class T>
const T& value_of(const SupportOutcome<T>& out) {
  if (const auto* e = std::get_if<SupportError>(&out))
    FAIL("error " << static_cast<int>(e->code) << ": " << e->message);
  return std::get<T>(out);
}

template <class T>
const SupportError& error_of(const SupportOutcome<T>& out) {
  REQUIRE(std::holds_alternative<SupportError>(out));
  return std::get<SupportError>(out);
}

}  // namespace

TEST_CASE("a subscriber path names a valid E.164 number", "[app][support_service]") {
  SupportWorld w;
  const auto good = w.service.phone(phone_e164);
  CHECK(value_of(good).number.e164() == phone_e164);
  CHECK(value_of(good).country == "DE");
  for (const char* bad : {"", "4915112345678", "+1555", "+49 151 12345678"}) {
    CAPTURE(bad);
    const auto refused = w.service.phone(bad);
    CHECK(error_of(refused).code == errc::invalid_argument);
    CHECK(error_of(refused).field == "phone_number");
  }
}

TEST_CASE("a lookup is written to the audit log before the phone is read",
          "[app][support_service]") {
  SupportWorld w;
  const SubscriberAction a = w.action();
  const auto out = run_sync(w.ioc, w.service.lookup(a));
  const SubscriberView& v = value_of(out);
  CHECK(w.journal == Strings{"audit.append", "subscribers.lookup"});
  CHECK(v.brand == "acme");
  CHECK(v.phone_masked == a.phone.number.masked());
  CHECK(v.phone_masked != phone_e164);
  CHECK(v.now_ms == 1'700'000'000'000);
  CHECK(w.subscribers.last_now_ms == 1'700'000'000'000);
  REQUIRE(w.audit.entries["acme"].size() == 1);
  CHECK(w.audit.entries["acme"][0].fields == Fields{{"action", "subscriber.lookup"},
                                                    {"actor", "support-key"},
                                                    {"target", a.phone.number.masked()},
                                                    {"at", "1700000000000"}});
  CHECK(w.events.events.empty());
}

TEST_CASE("no lookup or unlock without its audit entry", "[app][support_service]") {
  SupportWorld w;
  w.lock_phone();
  w.audit.fail = errc::store_unavailable;
  const SubscriberAction a = w.action("caller verified");
  const auto looked = run_sync(w.ioc, w.service.lookup(a));
  CHECK(error_of(looked).code == errc::store_unavailable);
  const auto unlocked = run_sync(w.ioc, w.service.unlock(a));
  CHECK(error_of(unlocked).code == errc::store_unavailable);
  CHECK(w.journal == Strings{"audit.append", "audit.append"});
  CHECK(w.subscribers.states.begin()->second.locked_for_ms == 600'000);
  CHECK(w.events.events.empty());
}

TEST_CASE("a failed lookup after its entry leaves the entry of the attempt",
          "[app][support_service]") {
  SupportWorld w;
  w.subscribers.fail = errc::store_timeout;
  const SubscriberAction a = w.action();
  const auto out = run_sync(w.ioc, w.service.lookup(a));
  CHECK(error_of(out).code == errc::store_timeout);
  CHECK(w.audit.entries["acme"].size() == 1);
}

TEST_CASE("an unlock that frees a locked phone is an unlocked event", "[app][support_service]") {
  SupportWorld w;
  w.lock_phone();
  const SubscriberAction a = w.action("caller verified");
  const auto out = run_sync(w.ioc, w.service.unlock(a));
  const SubscriberView& v = value_of(out);
  CHECK(w.journal == Strings{"audit.append", "subscribers.unlock"});
  CHECK(v.state.was_locked);
  CHECK(v.state.locked_for_ms == 0);
  const Fields& entry = w.audit.entries["acme"].at(0).fields;
  CHECK(entry.front() == Fields::value_type{"action", "subscriber.unlock"});
  CHECK(entry.back() == Fields::value_type{"reason", "caller verified"});
  REQUIRE(w.events.events.size() == 1);
  const Event& e = w.events.events[0];
  CHECK(e.type == EventType::unlocked);
  CHECK(e.brand == "acme");
  CHECK(e.phone_masked == a.phone.number.masked());
  CHECK(e.country == "DE");
  CHECK(e.at_ms == 1'700'000'000'000);
  // Again: the phone is no longer locked, so no second event (the entry is written).
  const auto again = run_sync(w.ioc, w.service.unlock(a));
  CHECK_FALSE(value_of(again).state.was_locked);
  CHECK(w.events.events.size() == 1);
  CHECK(w.audit.entries["acme"].size() == 2);
}

TEST_CASE("a retried unlock with its Idempotency-Key answers the first and writes one entry",
          "[app][support_service][retry]") {
  SupportWorld w;
  w.lock_phone();
  const SubscriberAction a = w.action("caller verified", "unlock-1");
  const auto first = run_sync(w.ioc, w.service.unlock(a));
  CHECK(value_of(first).state.was_locked);
  CHECK_FALSE(value_of(first).state.replayed);
  const auto retry = run_sync(w.ioc, w.service.unlock(a));
  CHECK(value_of(retry).state.replayed);
  // The first unlock's answer: it freed a locked phone, though the phone is unlocked now.
  CHECK(value_of(retry).state.was_locked);
  CHECK(w.audit.entries["acme"].size() == 1);
  CHECK(w.events.count(EventType::unlocked) == 1);
  CHECK(w.journal == Strings{"audit.append_once", "subscribers.unlock", "audit.append_once",
                             "subscribers.unlock"});
}

TEST_CASE("an unlock key reused with another reason is a conflict and changes nothing",
          "[app][support_service][retry]") {
  SupportWorld w;
  value_of(run_sync(w.ioc, w.service.unlock(w.action("caller verified", "unlock-1"))));
  w.lock_phone();
  const auto other = run_sync(w.ioc, w.service.unlock(w.action("another reason", "unlock-1")));
  CHECK(error_of(other).code == errc::idempotency_conflict);
  CHECK(w.audit.entries["acme"].size() == 1);
  CHECK(w.subscribers.states.begin()->second.locked_for_ms == 600'000);
  // Another API key's request with the same key and reason is its own.
  const auto own = run_sync(
      w.ioc, w.service.unlock(w.action("caller verified", "unlock-1", "other-support-key")));
  CHECK_FALSE(value_of(own).state.replayed);
  CHECK(value_of(own).state.was_locked);
  CHECK(w.audit.entries["acme"].size() == 2);
}

TEST_CASE("a retried unlock whose first answer was lost after its entry unlocks once",
          "[app][support_service][retry]") {
  SupportWorld w;
  w.lock_phone();
  const SubscriberAction a = w.action("caller verified", "unlock-1");
  w.subscribers.fail = errc::store_timeout;
  const auto lost = run_sync(w.ioc, w.service.unlock(a));
  CHECK(error_of(lost).code == errc::store_timeout);
  w.subscribers.fail.reset();
  const auto retry = run_sync(w.ioc, w.service.unlock(a));
  // The entry was the first request's; the unlock is this one's (not a replay), with its event.
  CHECK_FALSE(value_of(retry).state.replayed);
  CHECK(value_of(retry).state.was_locked);
  CHECK(w.audit.entries["acme"].size() == 1);
  CHECK(w.events.count(EventType::unlocked) == 1);
}

TEST_CASE("the audit log's page is read as asked", "[app][support_service]") {
  SupportWorld w;
  const SubscriberAction a = w.action();
  for (int i = 0; i < 3; ++i) value_of(run_sync(w.ioc, w.service.lookup(a)));
  const AuditQuery q{.brand = "acme", .before = "1002-0", .limit = 1};
  const auto page = run_sync(w.ioc, w.service.audit_page(q));
  REQUIRE(value_of(page).entries.size() == 1);
  CHECK(value_of(page).entries[0].id == "1001-0");
  CHECK(w.audit.paged_brand == "acme");
  CHECK(w.audit.paged_before == "1002-0");
  CHECK(w.audit.paged_limit == 1);
  w.audit.fail = errc::store_protocol;
  const auto failed = run_sync(w.ioc, w.service.audit_page(q));
  CHECK(error_of(failed).code == errc::store_protocol);
}
