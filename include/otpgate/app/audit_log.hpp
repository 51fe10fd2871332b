// The audit log: one Redis stream per brand (otp:{brand:<id>}:audit, about 10,000 entries),
// newest first when read. Template changes are written by the template store's script in the
// same call as the change; readers page backwards with a cursor.
#pragma once

#include "otpgate/app/ports.hpp"
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

// A stream id as Redis writes them ("1700000000000-0"): a cursor a caller may send back.
bool valid_audit_cursor(std::string_view s);

class AuditLog {
 public:
  explicit AuditLog(redis::Connection& conn) : conn_(conn) {}
  // Up to `limit` entries older than `before` ("" for the newest).
  task<result<AuditPage>> page(const std::string& brand, const std::string& before,
                               std::size_t limit);

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
