// The audit log: one Redis stream per brand (otp:{brand:<id>}:audit, about 10,000 entries),
// newest first when read. Template changes are written by the template store's script in the
// same call as the change; support actions (subscriber lookup and unlock) by append(); readers
// page backwards with a cursor.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/ports/task.hpp"
#include "otpgate/redis/connection.hpp"

#include <string>
#include <utility>
#include <vector>

namespace otpgate {

struct AuditEntry {
  std::string id;  // the stream id, also the paging cursor
  std::vector<std::pair<std::string, std::string>> fields;
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::string next;                 // cursor for the next (older) page; "" at the end
};

std::string audit_key(const std::string& brand);

// How many entries a brand's stream keeps (XADD MAXLEN ~: about this many).
inline constexpr std::size_t audit_max_entries = 10'000;

// A stream id as Redis writes them ("1700000000000-0"): a cursor a caller may send back.
bool valid_audit_cursor(std::string_view s);

class AuditLog {
 public:
  explicit AuditLog(redis::Connection& conn) : conn_(conn) {}
  // Up to `limit` entries older than `before` ("" for the newest).
  task<result<AuditPage>> page(const std::string& brand, const std::string& before,
                               std::size_t limit);
  // Adds one entry (the fields in this order; callers give action, actor, target, at, ...) and
  // answers its id. The fields must never hold a raw phone number, a code or a key.
  task<result<std::string>> append(const std::string& brand,
                                   const std::vector<std::pair<std::string, std::string>>& fields);

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
