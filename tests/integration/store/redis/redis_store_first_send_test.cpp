// create.lua's claim of an unsent first send and send_deadline.lua, compared step by step with
// the core's rules (core/first_send.hpp) on a real redis-server: the same verdicts, the same
// record, the same deadline (the record's sd). And the create's note in the index of unsent
// sends (plain commands), pipelined with its script, and the TTL it keeps.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/first_send.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/fault_proxy.hpp"
#include "support/redis_server.hpp"
#include "support/store_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

constexpr std::int64_t claim = 10'000;

NewVerification keyed(const std::string& tag, const std::string& key) {
  auto v = make_verification(tag);
  v.idempotency_key = key;
  v.request_fingerprint = "fp-" + key;
  v.in_flight_ms = claim;
  return v;
}

// The verdict the script's answer stands for.
FirstSendVerdict verdict_of(const CreateOutcome& o) {
  if (o.what == CreateOutcome::kind::in_flight) return FirstSendVerdict::in_flight;
  if (o.what == CreateOutcome::kind::claimed) return FirstSendVerdict::claimed;
  return o.send_failed_now ? FirstSendVerdict::failed : FirstSendVerdict::settled;
}

std::int64_t stored_due(const NewVerification& v) {
  const std::string sd =
      test::redis_cli(test::shared_redis_port(), {"HGET", RedisKeys::record(id_of(v)), "sd"});
  return std::stoll(sd);
}

bool indexed(const VerificationId& id) {
  const std::string score =
      test::redis_cli(test::shared_redis_port(), {"ZSCORE", RedisKeys::unsent(), id.str()});
  return !score.empty();
}

void same_record(const VerificationRecord& stored, const VerificationRecord& core) {
  CHECK(stored.status == core.status);
  CHECK(stored.delivery_status == core.delivery_status);
  CHECK(stored.finished_ms == core.finished_ms);
}

// A store on its own connection and io_context, to a given port, run by hand: until() runs the
// loop until a condition holds (at most 5 s).
struct OwnStore {
  explicit OwnStore(unsigned short port, std::chrono::milliseconds timeout = 1s) {
    redis::Config config = test::ConnectedRedis::config();
    config.port = port;
    config.command_timeout = timeout;
    config.heartbeat = 60s;
    conn = std::make_unique<redis::Connection>(ioc, config);
    conn->start();
    store = std::make_unique<RedisStore>(*conn);
  }
  ~OwnStore() {
    conn->stop();
    ioc.restart();
    ioc.run_for(1s);
  }
  bool until(const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < end) ioc.run_one_for(10ms);
    return done();
  }
  asio::io_context ioc;
  std::unique_ptr<redis::Connection> conn;
  std::unique_ptr<RedisStore> store;
};

}  // namespace

TEST_CASE("a retry's claim and the send's deadline: script and core agree at every step",
          "[integration][store][first-send]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  const auto first = keyed(tag, "k");
  auto created = f.run(f.store.create(first, t0));
  REQUIRE(created);
  REQUIRE(created.value().what == CreateOutcome::kind::created);
  CHECK(indexed(id_of(first)));  // noted before the create ran
  VerificationRecord core = first.record;
  std::int64_t due = t0 + claim;
  CHECK(stored_due(first) == due);
  const std::int64_t steps[] = {t0 + claim - 1, t0 + claim, t0 + claim + 1};
  for (const std::int64_t now : steps) {
    auto retried = f.run(f.store.create(keyed(tag, "k"), now));
    REQUIRE(retried);
    INFO("retry at t0 + " << now - t0);
    CHECK(verdict_of(retried.value()) == claim_first_send(core, due, now, claim));
    CHECK(stored_due(first) == due);
  }
  CHECK(due == t0 + 2 * claim);  // the second retry claimed, the third waits for it
  // The sweep: nothing before the retry's claim and the retries' window have run out,
  // send_failed then, and nothing after.
  const std::int64_t deadline = send_deadline_ms(due);
  for (const std::int64_t now : {due, deadline - 1, deadline, deadline + 1}) {
    INFO("sweep at t0 + " << now - t0);
    auto ended = f.run(f.store.end_overdue_send(id_of(first), now));
    REQUIRE(ended);
    CHECK(ended.value().has_value() == apply_send_deadline(core, due, now));
    if (ended.value()) same_record(*ended.value(), core);
    CHECK(indexed(id_of(first)) == (now < deadline));
  }
  CHECK(core.status == Status::send_failed);
  // A retry afterwards replays the ended verification.
  auto late = f.run(f.store.create(keyed(tag, "k"), deadline + 2));
  REQUIRE(late);
  CHECK(late.value().what == CreateOutcome::kind::replayed);
  CHECK(verdict_of(late.value()) == claim_first_send(core, due, deadline + 2, claim));
  same_record(late.value().record, core);
}

TEST_CASE("a claim with under 30 s of the code left ends it send_failed in the script too",
          "[integration][store][first-send]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  const auto first = keyed(tag, "late");
  auto created = f.run(f.store.create(first, t0));
  REQUIRE(created);
  VerificationRecord core = first.record;
  std::int64_t due = t0 + claim;
  const std::int64_t now = core.expires_ms - min_resend_validity_ms + 1;
  auto retried = f.run(f.store.create(keyed(tag, "late"), now));
  REQUIRE(retried);
  CHECK(verdict_of(retried.value()) == claim_first_send(core, due, now, claim));
  CHECK(core.status == Status::send_failed);
  same_record(retried.value().record, core);
}

TEST_CASE("the sweep finds overdue creates in the index and drops the ones that were sent",
          "[integration][store][first-send]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  const auto sent = keyed(tag, "sent");
  auto created = f.run(f.store.create(sent, t0));
  REQUIRE(created);
  answered(f, sent);
  const std::int64_t deadline = send_deadline_ms(t0 + claim);
  auto early = f.run(f.store.overdue_first_sends(deadline - 1, 100'000));
  REQUIRE(early);
  CHECK(std::count(early.value().begin(), early.value().end(), id_of(sent)) == 0);
  auto due = f.run(f.store.overdue_first_sends(deadline, 100'000));
  REQUIRE(due);
  CHECK(std::count(due.value().begin(), due.value().end(), id_of(sent)) == 1);
  auto ended = f.run(f.store.end_overdue_send(id_of(sent), deadline));
  REQUIRE(ended);
  CHECK_FALSE(ended.value().has_value());
  CHECK_FALSE(indexed(id_of(sent)));
  auto record = f.run(f.store.get(id_of(sent)));
  REQUIRE(record);
  CHECK(record.value()->status == Status::pending);
  CHECK(record.value()->delivery_status == DeliveryStatus::accepted);
}

TEST_CASE("a create's index entry is dropped by forget_first_send and only that",
          "[integration][store][first-send]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  const auto sent = keyed(tag, "forget");
  const auto other = keyed(tag, "stays");
  auto first = f.run(f.store.create(sent, t0));
  auto second = f.run(f.store.create(other, t0));
  REQUIRE(first);
  REQUIRE(second);
  answered(f, sent);
  REQUIRE(indexed(id_of(sent)));
  auto dropped = f.run(f.store.forget_first_send(id_of(sent)));
  REQUIRE(dropped);
  CHECK(dropped.value());
  CHECK_FALSE(indexed(id_of(sent)));
  CHECK(indexed(id_of(other)));
  auto again = f.run(f.store.forget_first_send(id_of(sent)));
  REQUIRE(again);
  CHECK_FALSE(again.value());
  auto record = f.run(f.store.get(id_of(sent)));
  REQUIRE(record);
  CHECK(record.value()->delivery_status == DeliveryStatus::accepted);
}

TEST_CASE("forget_first_sends drops the entries of the ids given in one call and only those",
          "[integration][store][first-send]") {
  StoreFixture f;
  const std::string tag = fresh_tag();
  const auto one = keyed(tag, "one");
  const auto two = keyed(tag, "two");
  const auto other = keyed(tag, "stays");
  for (const auto* v : {&one, &two, &other}) {
    auto created = f.run(f.store.create(*v, t0));
    REQUIRE(created);
  }
  const std::vector<VerificationId> ids = {id_of(one), id_of(two)};
  auto dropped = f.run(f.store.forget_first_sends(ids));
  REQUIRE(dropped);
  CHECK(dropped.value() == 2);
  CHECK_FALSE(indexed(id_of(one)));
  CHECK_FALSE(indexed(id_of(two)));
  CHECK(indexed(id_of(other)));
  auto again = f.run(f.store.forget_first_sends(ids));
  REQUIRE(again);
  CHECK(again.value() == 0);
  const std::vector<VerificationId> none;
  auto empty = f.run(f.store.forget_first_sends(none));
  REQUIRE(empty);
  CHECK(empty.value() == 0);
}

TEST_CASE("a create's note and script leave together: both run before either reply is read",
          "[integration][store][first-send]") {
  // Replies held between Redis and the store: Redis runs what it receives, the store reads
  // nothing. A create that waited for its note's reply would never send its script.
  test::FaultProxy proxy(test::shared_redis_port());
  OwnStore own(proxy.port(), 5s);
  REQUIRE(own.until([&] { return own.conn->connected(); }));
  const auto v = make_verification(fresh_tag());
  const auto stored = [&] {
    return test::redis_cli(test::shared_redis_port(), {"EXISTS", RedisKeys::record(id_of(v))}) ==
           "1";
  };

  proxy.hold_replies();
  std::optional<result<CreateOutcome>> created;
  asio::co_spawn(own.ioc, test::detail::capture(own.store->create(v, t0), created), asio::detached);
  CHECK(own.until(stored));
  CHECK(indexed(id_of(v)));
  CHECK_FALSE(created.has_value());
  proxy.pass();
  REQUIRE(own.until([&] { return created.has_value(); }));
  REQUIRE(created->has_value());
  CHECK(created->value().what == CreateOutcome::kind::created);
}

TEST_CASE("a create keeps the index of unsent first sends at least its retention, never shorter",
          "[integration][store][first-send]") {
  // The index is one key shared by every test on this Redis: the TTLs set here are all long
  // enough that a parallel test's entries do not expire because of this one.
  StoreFixture f;
  const auto ttl = [] {
    return std::stoll(test::redis_cli(test::shared_redis_port(), {"PTTL", RedisKeys::unsent()}));
  };
  const auto set_ttl = [](const std::string& ms) {
    test::redis_cli(test::shared_redis_port(), {"PEXPIRE", RedisKeys::unsent(), ms});
  };
  const std::int64_t retention = make_verification(fresh_tag()).retention_ms;
  REQUIRE(retention >= 20'000);
  const std::int64_t slack = 5'000;  // the time this test takes, generously

  // Without a TTL (an index someone made persistent): the create gives it one.
  REQUIRE(f.run(f.store.create(make_verification(fresh_tag()), t0)));
  test::redis_cli(test::shared_redis_port(), {"PERSIST", RedisKeys::unsent()});
  REQUIRE(ttl() == -1);
  REQUIRE(f.run(f.store.create(make_verification(fresh_tag()), t0)));
  CHECK(ttl() > retention - slack);
  CHECK(ttl() <= retention);

  // A shorter TTL is lengthened to the retention.
  set_ttl(std::to_string(retention / 2));
  REQUIRE(f.run(f.store.create(make_verification(fresh_tag()), t0)));
  CHECK(ttl() > retention - slack);

  // A longer one stays.
  set_ttl(std::to_string(retention * 10));
  REQUIRE(f.run(f.store.create(make_verification(fresh_tag()), t0)));
  CHECK(ttl() > retention * 9);
  set_ttl(std::to_string(retention));
}

TEST_CASE(
    "a note Redis refuses answers an error, with the create it ran alongside left to the sweep",
    "[integration][store][first-send]") {
  // A private Redis: the index key is made a string, which every other test's note would hit.
  test::RedisServer server;
  server.cli({"SET", RedisKeys::unsent(), "not a sorted set"});
  OwnStore own(server.port());
  REQUIRE(own.until([&] { return own.conn->connected(); }));
  const auto v = make_verification(fresh_tag());
  std::optional<result<CreateOutcome>> created;
  asio::co_spawn(own.ioc, test::detail::capture(own.store->create(v, t0), created), asio::detached);
  REQUIRE(own.until([&] { return created.has_value(); }));
  REQUIRE_FALSE(created->has_value());
  CHECK(created->error() == make_error_code(errc::store_protocol));
  // ZADD failed inside the transaction (WRONGTYPE); the create, written after it, ran
  // (architecture.md, "A create's faults": an idempotent retry finishes it).
  CHECK(server.cli({"GET", RedisKeys::unsent()}) == "not a sorted set");
  CHECK(server.cli({"EXISTS", RedisKeys::record(id_of(v))}) == "1");
}
