#include "otpgate/store/redis/template_store.hpp"

#include "script_calls.hpp"

#include "otpgate/store/redis/audit_log.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>


namespace otpgate {
namespace {

using redis::Reply;

constexpr std::size_t audit_max_len = 10'000;

std::string hash_key(const std::string& brand) {
  return "otp:{brand:" + brand + "}:templates";
}
std::string versions_key(const std::string& brand, const std::string& locale) {
  return "otp:{brand:" + brand + "}:templates:" + locale + ":versions";
}

using store_calls::to_int;

std::int64_t int_of(const Reply& r) {
  return r.type == Reply::kind::integer ? r.integer : to_int(r.str);
}

result<Reply> checked(result<Reply> r) {
  if (!r) return r.error();
  if (r.value().is_error()) {
    log::write(log::level::error, "redis error", {{"error", r.value().str}});
    return errc::store_protocol;
  }
  return r;
}

}  // namespace

task<result<StoredTemplate>> RedisTemplateStore::get(const std::string& brand,
                                                     const std::string& locale) {
  const std::vector<std::string> cmd = {"HMGET", hash_key(brand), "ver:" + locale, "txt:" + locale};
  auto raw = co_await conn_.command(cmd);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.type != Reply::kind::array || r.elements.size() != 2) co_return errc::store_protocol;
  StoredTemplate t;
  if (!r.elements[0].is_nil()) t.version = int_of(r.elements[0]);
  if (!r.elements[1].is_nil()) t.text = r.elements[1].str;
  co_return t;
}

task<result<StoredTemplates>> RedisTemplateStore::all(const std::string& brand) {
  const std::vector<std::string> cmd = {"HGETALL", hash_key(brand)};
  auto raw = co_await conn_.command(cmd);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.type != Reply::kind::array || r.elements.size() % 2 != 0) co_return errc::store_protocol;
  StoredTemplates out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& field = r.elements[i].str;
    if (field == "rev")
      out.revision = int_of(r.elements[i + 1]);
    else if (field.rfind("ver:", 0) == 0)
      out.locales[field.substr(4)].version = int_of(r.elements[i + 1]);
    else if (field.rfind("txt:", 0) == 0)
      out.locales[field.substr(4)].text = r.elements[i + 1].str;
  }
  co_return out;
}

task<result<SaveOutcome>> RedisTemplateStore::save(const TemplateChange& c) {
  std::vector<std::string> keys = {hash_key(c.brand), versions_key(c.brand, c.locale),
                                   audit_key(c.brand)};
  std::vector<std::string> args = {c.locale,
                                   c.expected_version ? std::to_string(*c.expected_version) : "*",
                                   c.text ? "1" : "0",
                                   c.text.value_or(""),
                                   c.action,
                                   std::to_string(c.from_version),
                                   c.actor,
                                   std::to_string(c.now_ms),
                                   std::to_string(template_versions_kept),
                                   std::to_string(audit_max_len)};
  if (!c.retry.empty()) {
    // In the brand's slot, with the templates it records a change of.
    keys.push_back(RedisKeys::idempotency("brand:" + c.brand, c.retry.key));
    args.push_back(c.retry.fingerprint);
    args.push_back(std::to_string(admin_retry_ttl_ms));
  }
  auto raw = co_await conn_.eval(scripts::cached(scripts::template_save), keys, args);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.type == Reply::kind::array && r.elements.size() == 1 &&
      r.elements[0].str == "idem_conflict")
    co_return errc::idempotency_conflict;
  if (r.type != Reply::kind::array || r.elements.size() < 2 || r.elements.size() > 3)
    co_return errc::store_protocol;
  co_return SaveOutcome{.saved = int_of(r.elements[0]) == 1,
                        .version = int_of(r.elements[1]),
                        .replayed = r.elements.size() == 3};
}

task<result<std::vector<TemplateVersion>>> RedisTemplateStore::versions(const std::string& brand,
                                                                        const std::string& locale) {
  const std::vector<std::string> cmd = {"LRANGE", versions_key(brand, locale), "0", "-1"};
  auto raw = co_await conn_.command(cmd);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  std::vector<TemplateVersion> out;
  for (const Reply& e : reply.value().elements) {
    const auto j = nlohmann::json::parse(e.str, nullptr, false);
    if (!j.is_object()) co_return errc::store_protocol;
    TemplateVersion v;
    v.version = j.value("version", std::int64_t{0});
    v.action = j.value("action", "");
    if (j.contains("text") && j["text"].is_string()) v.text = j["text"].get<std::string>();
    v.from_version = j.value("from_version", std::int64_t{0});
    v.actor = j.value("actor", "");
    v.at_ms = to_int(j.value("at", "0"));
    out.push_back(std::move(v));
  }
  co_return out;
}

task<result<std::int64_t>> RedisTemplateStore::revision(const std::string& brand) {
  const std::vector<std::string> cmd = {"HGET", hash_key(brand), "rev"};
  auto raw = co_await conn_.command(cmd);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  co_return reply.value().is_nil() ? 0 : int_of(reply.value());
}

}  // namespace otpgate
