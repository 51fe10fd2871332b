#include "otpgate/store/redis/audit_log.hpp"

#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include <charconv>
#include <cstdint>

namespace otpgate {

std::string audit_key(const std::string& brand) {
  return "otp:{brand:" + brand + "}:audit";
}

task<result<AuditPage>> RedisAuditLog::page(const std::string& brand, const std::string& before,
                                            std::size_t limit) {
  // Nothing is older than the first possible id (and Redis refuses "(0-0" as a start).
  if (before == "0-0") co_return AuditPage{};
  // One more than asked: whether an older page exists.
  const std::vector<std::string> cmd = {
      "XREVRANGE", audit_key(brand), before.empty() ? "+" : "(" + before,
      "-",         "COUNT",          std::to_string(limit + 1)};
  auto reply = co_await conn_.command(cmd);
  if (!reply) co_return reply.error();
  const redis::Reply& r = reply.value();
  if (r.is_error() || r.type != redis::Reply::kind::array) co_return errc::store_protocol;
  AuditPage page;
  for (const redis::Reply& e : r.elements) {
    if (e.elements.size() != 2) co_return errc::store_protocol;
    if (page.entries.size() == limit) {
      page.next = page.entries.back().id;
      break;
    }
    AuditEntry entry{e.elements[0].str, {}};
    const auto& kv = e.elements[1].elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
      entry.fields.emplace_back(kv[i].str, kv[i + 1].str);
    page.entries.push_back(std::move(entry));
  }
  co_return page;
}

task<result<std::string>> RedisAuditLog::append(
    const std::string& brand, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::string> cmd = {
      "XADD", audit_key(brand), "MAXLEN", "~", std::to_string(audit_max_entries), "*"};
  for (const auto& [k, v] : fields) {
    cmd.push_back(k);
    cmd.push_back(v);
  }
  auto reply = co_await conn_.command(cmd);
  if (!reply) co_return reply.error();
  const redis::Reply& r = reply.value();
  if (r.is_error() || r.type != redis::Reply::kind::string) co_return errc::store_protocol;
  co_return r.str;
}

task<result<AuditAppend>> RedisAuditLog::append_once(
    const std::string& brand, const std::vector<std::pair<std::string, std::string>>& fields,
    const RetryEntry& retry) {
  if (retry.empty()) {
    auto id = co_await append(brand, fields);
    if (!id) co_return id.error();
    co_return AuditAppend{.id = std::move(id.value())};
  }
  // The key's entry in the brand's slot, with the stream it guards (as template saves' entries).
  const std::vector<std::string> keys = {audit_key(brand),
                                         RedisKeys::idempotency("brand:" + brand, retry.key)};
  std::vector<std::string> args = {std::to_string(audit_max_entries), retry.fingerprint,
                                   std::to_string(admin_retry_ttl_ms)};
  for (const auto& [k, v] : fields) {
    args.push_back(k);
    args.push_back(v);
  }
  auto reply = co_await conn_.eval(scripts::cached(scripts::audit_once), keys, args);
  if (!reply) co_return reply.error();
  const redis::Reply& r = reply.value();
  if (r.is_error()) {
    scripts::log_script_error(r.str);
    co_return errc::store_protocol;
  }
  if (r.type != redis::Reply::kind::array || r.elements.empty() || r.elements.size() > 2)
    co_return errc::store_protocol;
  if (r.elements.size() == 1 && r.elements[0].str == "idem_conflict")
    co_return errc::idempotency_conflict;
  co_return AuditAppend{.id = r.elements[0].str, .replayed = r.elements.size() == 2};
}

}  // namespace otpgate
