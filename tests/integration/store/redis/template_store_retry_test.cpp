// template_save.lua's Idempotency-Key path on a real redis-server (lua/_retry.lua): the call
// judges the key as judge_retry (core/idempotency.hpp) does, records only a save, keeps the
// entry admin_retry_ttl_ms in the brand's slot, and a replay or a conflict changes nothing.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/idempotency.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/store/redis/template_store.hpp"

#include "support/store_fixture.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

struct TemplateFixture : StoreFixture {
  RedisTemplateStore templates{conn};
  std::string brand = otpgate::test::unique_brand("tplretry");

  TemplateChange change(std::optional<std::int64_t> expected, const std::string& text,
                        RetryEntry retry) const {
    return TemplateChange{.brand = brand,
                          .locale = "en",
                          .expected_version = expected,
                          .text = text,
                          .action = "put",
                          .actor = "key-1",
                          .now_ms = t0,
                          .retry = std::move(retry)};
  }
  std::string entry_key(const RetryEntry& e) const {
    return RedisKeys::idempotency("brand:" + brand, e.key);
  }
  std::int64_t integer(std::vector<std::string> cmd) {
    auto reply = run(conn.command(std::move(cmd)));
    REQUIRE(reply);
    return reply.value().integer;
  }
  std::int64_t versions_kept() {
    return integer({"LLEN", "otp:{brand:" + brand + "}:templates:en:versions"});
  }
};

}  // namespace

TEST_CASE("template_save.lua judges an Idempotency-Key as judge_retry does",
          "[integration][store][retry]") {
  TemplateFixture f;
  const RetryEntry first{.key = "k1", .fingerprint = "put-one"};
  const RetryEntry other{.key = "k1", .fingerprint = "put-two"};
  // perform: saved as version 1, recorded.
  auto saved = f.run(f.templates.save(f.change(0, "One {{code}}", first)));
  REQUIRE(saved);
  CHECK(saved.value().saved);
  CHECK(saved.value().version == 1);
  CHECK_FALSE(saved.value().replayed);
  // replay: the first save's version, though If-Match 0 is stale now; nothing saved.
  auto replay = f.run(f.templates.save(f.change(0, "One {{code}}", first)));
  REQUIRE(replay);
  CHECK(replay.value().saved);
  CHECK(replay.value().version == 1);
  CHECK(replay.value().replayed);
  // conflict: another request under the key; nothing saved.
  auto conflict = f.run(f.templates.save(f.change(std::nullopt, "Two {{code}}", other)));
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error() == make_error_code(errc::idempotency_conflict));
  CHECK(f.versions_kept() == 1);
  // The entry lives admin_retry_ttl_ms in the brand's slot.
  const std::int64_t ttl = f.integer({"PTTL", f.entry_key(first)});
  CHECK(ttl > admin_retry_ttl_ms - 60'000);
  CHECK(ttl <= admin_retry_ttl_ms);
}

TEST_CASE("template_save.lua records no refused save under its key",
          "[integration][store][retry]") {
  TemplateFixture f;
  const RetryEntry entry{.key = "k2", .fingerprint = "put"};
  auto stale = f.run(f.templates.save(f.change(7, "One {{code}}", entry)));
  REQUIRE(stale);
  CHECK_FALSE(stale.value().saved);
  CHECK(f.integer({"EXISTS", f.entry_key(entry)}) == 0);
  // Judged anew: the right version saves.
  auto saved = f.run(f.templates.save(f.change(0, "One {{code}}", entry)));
  REQUIRE(saved);
  CHECK(saved.value().saved);
  CHECK_FALSE(saved.value().replayed);
}

TEST_CASE("template_save.lua without a key saves as before", "[integration][store][retry]") {
  TemplateFixture f;
  auto one = f.run(f.templates.save(f.change(0, "One {{code}}", {})));
  REQUIRE(one);
  auto again = f.run(f.templates.save(f.change(0, "One {{code}}", {})));
  REQUIRE(again);
  CHECK_FALSE(again.value().saved);
  CHECK(again.value().version == 1);
}
