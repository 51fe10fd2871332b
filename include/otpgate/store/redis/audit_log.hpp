// The audit log: one Redis stream per brand (otp:{brand:<id>}:audit, about 10,000 entries),
// newest first when read. Template changes are written by the template store's script in the
// same call as the change; support actions (subscriber lookup and unlock) by append(), an unlock
// with an Idempotency-Key by append_once() (lua/audit_once.lua: the key's entry
// otp:{brand:<id>}:idem:<mac> judged and recorded with the XADD); readers page backwards with a
// cursor.
#pragma once

#include "otpgate/ports/audit_log.hpp"
#include "otpgate/ports/task.hpp"
#include "otpgate/redis/connection.hpp"

#include <string>
#include <utility>
#include <vector>

namespace otpgate {

std::string audit_key(const std::string& brand);

// How many entries a brand's stream keeps (XADD MAXLEN ~: about this many).
inline constexpr std::size_t audit_max_entries = 10'000;

class RedisAuditLog final : public AuditLog {
 public:
  explicit RedisAuditLog(redis::Connection& conn) : conn_(conn) {}
  // Up to `limit` entries older than `before` ("" for the newest).
  task<result<AuditPage>> page(const std::string& brand, const std::string& before,
                               std::size_t limit) override;
  // Adds one entry (the fields in this order; callers give action, actor, target, at, ...) and
  // answers its id. The fields must never hold a raw phone number, a code or a key.
  task<result<std::string>> append(
      const std::string& brand,
      const std::vector<std::pair<std::string, std::string>>& fields) override;
  // As append(), at most once per retry entry (lua/audit_once.lua).
  task<result<AuditAppend>> append_once(
      const std::string& brand, const std::vector<std::pair<std::string, std::string>>& fields,
      const RetryEntry& retry) override;

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
