// Port: a brand's audit log, newest first when read. Template changes are written by the
// template store in the same call as the change; support actions by append(), or by
// append_once() when they carry an Idempotency-Key (an unlock, an action on a verification);
// readers page backwards with a cursor. Production: store/redis/audit_log.hpp (one stream per
// brand).
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/ports/retry_entry.hpp"
#include "otpgate/ports/task.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate {

struct AuditEntry {
  std::string id;  // the entry's id, also the paging cursor
  std::vector<std::pair<std::string, std::string>> fields;
};

// What append_once() did.
struct AuditAppend {
  std::string id;         // the entry's id (a replay: the first request's entry)
  bool replayed = false;  // the key's request was appended before: nothing added now
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::string next;                 // cursor for the next (older) page; "" at the end
};

// An entry id as the log writes them ("1700000000000-0": milliseconds and a sequence, both
// unsigned 64-bit numbers): a cursor a caller may send back.
inline bool valid_audit_cursor(std::string_view s) {
  const auto dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  auto u64 = [](std::string_view d) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
    return !d.empty() && ec == std::errc() && end == d.data() + d.size();
  };
  return u64(s.substr(0, dash)) && u64(s.substr(dash + 1));
}

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Up to `limit` entries older than `before` ("" for the newest).
  virtual task<result<AuditPage>> page(const std::string& brand, const std::string& before,
                                       std::size_t limit) = 0;
  // Adds one entry (the fields in this order; callers give action, actor, target, at, ...) and
  // answers its id. The fields must never hold a raw phone number, a code or a key.
  virtual task<result<std::string>> append(
      const std::string& brand, const std::vector<std::pair<std::string, std::string>>& fields) = 0;
  // As append(), at most once per retry entry (its Idempotency-Key, in the brand's slot for
  // admin_retry_ttl_ms): the key's entry is judged and recorded in the call that appends, so the
  // same request again adds nothing and answers the first entry's id (replayed), and another
  // request under the key answers idempotency_conflict. An empty entry: append().
  virtual task<result<AuditAppend>> append_once(
      const std::string& brand, const std::vector<std::pair<std::string, std::string>>& fields,
      const RetryEntry& retry) = 0;
};

}  // namespace otpgate
