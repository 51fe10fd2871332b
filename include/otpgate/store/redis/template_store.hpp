// Brand managers' template edits in Redis: the current text per brand and locale, its version
// history and the audit entry of each change, all written by one Lua script so a change is
// whole or absent. Keys of one brand share the hash tag {brand:<id>} (one cluster slot):
//   otp:{brand:<id>}:templates                    hash  rev, ver:<locale>, txt:<locale>
//   otp:{brand:<id>}:templates:<locale>:versions  list  newest first, the last 50 versions
//   otp:{brand:<id>}:audit                        stream, about 10,000 entries per brand
//   otp:{brand:<id>}:idem:<key MAC>               hash  a save's Idempotency-Key entry (fp, out)
// These are configuration, not per-customer data: they have no TTL and are bounded in size; a
// key's entry lives admin_retry_ttl_ms (ports/retry_entry.hpp).
#pragma once

#include "otpgate/ports/template_store.hpp"
#include "otpgate/redis/connection.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace otpgate {

// The TemplateStore port on Redis; the change is one call of the template_save script.
class RedisTemplateStore final : public TemplateStore {
 public:
  explicit RedisTemplateStore(redis::Connection& conn) : conn_(conn) {}

  task<result<StoredTemplate>> get(const std::string& brand, const std::string& locale) override;
  task<result<StoredTemplates>> all(const std::string& brand) override;
  task<result<SaveOutcome>> save(const TemplateChange& change) override;
  task<result<std::vector<TemplateVersion>>> versions(const std::string& brand,
                                                      const std::string& locale) override;
  task<result<std::int64_t>> revision(const std::string& brand) override;

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
