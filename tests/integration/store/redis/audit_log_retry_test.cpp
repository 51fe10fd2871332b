// An unlock's audit entry under its Idempotency-Key on a real redis-server (lua/audit_once.lua
// with lua/_retry.lua): appended at most once per key, the key judged as judge_retry
// (core/idempotency.hpp) does, its entry kept admin_retry_ttl_ms in the brand's slot.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/idempotency.hpp"
#include "otpgate/store/redis/audit_log.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::test::store;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct AuditFixture : StoreFixture {
  RedisAuditLog audit{conn};
  std::string brand = otpgate::test::unique_brand_now("auditonce");
  Fields fields(const std::string& reason) const {
    return {{"action", "subscriber.unlock"},
            {"actor", "support-key"},
            {"target", "+49151*****678"},
            {"at", "1700000000000"},
            {"reason", reason}};
  }
  std::int64_t integer(std::vector<std::string> cmd) {
    auto reply = run(conn.command(std::move(cmd)));
    REQUIRE(reply);
    return reply.value().integer;
  }
  std::int64_t entries() { return integer({"XLEN", audit_key(brand)}); }
};

}  // namespace

TEST_CASE("audit_once.lua appends once per Idempotency-Key, as judge_retry judges",
          "[integration][store][retry]") {
  AuditFixture f;
  const RetryEntry first{.key = "a1", .fingerprint = "unlock-a"};
  const RetryEntry other{.key = "a1", .fingerprint = "unlock-b"};
  CHECK(judge_retry(std::nullopt, first.fingerprint) == RetryVerdict::perform);
  auto appended = f.run(f.audit.append_once(f.brand, f.fields("why"), first));
  REQUIRE(appended);
  CHECK_FALSE(appended.value().replayed);
  CHECK(f.entries() == 1);
  CHECK(judge_retry(first.fingerprint, first.fingerprint) == RetryVerdict::replay);
  auto replay = f.run(f.audit.append_once(f.brand, f.fields("why"), first));
  REQUIRE(replay);
  CHECK(replay.value().replayed);
  CHECK(replay.value().id == appended.value().id);
  CHECK(f.entries() == 1);
  CHECK(judge_retry(first.fingerprint, other.fingerprint) == RetryVerdict::conflict);
  auto conflict = f.run(f.audit.append_once(f.brand, f.fields("other"), other));
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error() == make_error_code(errc::idempotency_conflict));
  CHECK(f.entries() == 1);
  // The entry as written, in order; the key's entry lives admin_retry_ttl_ms in the brand's slot.
  auto page = f.run(f.audit.page(f.brand, "", 10));
  REQUIRE(page);
  REQUIRE(page.value().entries.size() == 1);
  CHECK(page.value().entries[0].fields == f.fields("why"));
  const std::int64_t ttl =
      f.integer({"PTTL", RedisKeys::idempotency("brand:" + f.brand, first.key)});
  CHECK(ttl > admin_retry_ttl_ms - 60'000);
  CHECK(ttl <= admin_retry_ttl_ms);
}

TEST_CASE("append_once without a key appends every time", "[integration][store][retry]") {
  AuditFixture f;
  for (int i = 0; i < 2; ++i) {
    auto appended = f.run(f.audit.append_once(f.brand, f.fields("why"), {}));
    REQUIRE(appended);
    CHECK_FALSE(appended.value().replayed);
  }
  CHECK(f.entries() == 2);
}
