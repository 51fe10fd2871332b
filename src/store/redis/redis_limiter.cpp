// The rate limits and the pumping watch in Redis: their keys, and a send's admission in one
// script call (src/store/redis/lua/admit_brand.lua).
#include "otpgate/store/redis/redis_limiter.hpp"

#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/util/log.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

namespace otpgate {

using redis::Reply;

std::string RedisKeys::rate(const RateSubject& subject, const Rate& rate) {
  const std::string period = std::to_string(rate.period_ms / 1000);
  const std::string brand_slot = "otp:{brand:" + subject.brand + "}:rl:";
  switch (subject.scope) {
    case LimitScope::phone:
      if (subject.probe) return brand_slot + "probe:" + subject.id + ":" + period;
      return "otp:{" + subject.id + "}:rl:" + period;
    case LimitScope::ip:
      return brand_slot + "ip:" + subject.id + ":" + period;
    case LimitScope::prefix:
      return brand_slot + "px:" + subject.id + ":" + period;
    case LimitScope::brand:
      break;
  }
  return brand_slot + "b:" + period;
}

std::string RedisKeys::pumping_since(std::string_view brand, int prefix_digits) {
  return "otp:{brand:" + std::string(brand) + "}:pump:" + std::to_string(prefix_digits) + ":since";
}
std::string RedisKeys::pumping_prefix(std::string_view brand, int prefix_digits,
                                      std::string_view prefix) {
  return "otp:{brand:" + std::string(brand) + "}:pump:" + std::to_string(prefix_digits) +
         ":px:" + std::string(prefix);
}
std::string RedisKeys::pumping_all(std::string_view brand, int prefix_digits) {
  return "otp:{brand:" + std::string(brand) + "}:pump:" + std::to_string(prefix_digits) + ":all";
}

namespace {

// The subject's enabled rates, each with its key.
std::vector<std::pair<std::string, Rate>> enabled_rates(const RateSubject& subject) {
  std::vector<std::pair<std::string, Rate>> out;
  for (const Rate& r : subject.rates)
    if (r.enabled()) out.emplace_back(RedisKeys::rate(subject, r), r);
  return out;
}

// The pumping watch's ARGV after `now`: window, baseline, factor, min_sends, block, ttl.
std::vector<std::string> pumping_args(const PumpingPolicy& policy) {
  // Kept three baselines (and at least a block) after the last send: long enough that a quiet
  // weekend does not make every prefix new again.
  const auto ttl = std::max(3 * policy.baseline, policy.block);
  // %.17g: the factor reaches Lua as the same double (std::to_string keeps 6 decimals).
  char factor[32];
  std::snprintf(factor, sizeof factor, "%.17g", policy.factor);
  return {std::to_string(policy.window.count()),
          std::to_string(policy.baseline.count()),
          factor,
          std::to_string(policy.min_sends),
          std::to_string(policy.block.count()),
          std::to_string(ttl.count())};
}

std::vector<std::string> pumping_keys(const std::string& brand, int digits,
                                      const std::string& prefix) {
  return {RedisKeys::pumping_since(brand, digits), RedisKeys::pumping_prefix(brand, digits, prefix),
          RedisKeys::pumping_all(brand, digits)};
}

// admit_brand's keys: one per enabled rate, then the pumping watch's.
std::vector<std::string> admission_keys(const SendAdmission& a) {
  std::vector<std::string> keys;
  for (const RateSubject& s : a.subjects)
    for (auto& [key, r] : enabled_rates(s)) keys.push_back(std::move(key));
  if (a.pumping)
    for (auto& k : pumping_keys(a.brand, a.prefix_digits, a.prefix)) keys.push_back(std::move(k));
  return keys;
}

std::size_t rate_count(const SendAdmission& a) {
  std::size_t n = 0;
  for (const RateSubject& s : a.subjects) n += enabled_rates(s).size();
  return n;
}

result<AdmissionVerdict> admission_verdict(const result<Reply>& reply) {
  if (!reply) return reply.error();
  const Reply& r = reply.value();
  if (r.is_error()) {
    scripts::log_script_error(r.str);
    return errc::store_protocol;
  }
  if (r.type != Reply::kind::array || r.elements.empty()) return errc::store_protocol;
  const std::string& what = r.elements[0].str;
  using K = AdmissionVerdict::kind;
  if (what == "allowed") return AdmissionVerdict{};
  const Reply& last = r.elements.back();
  const std::int64_t ms = last.type == Reply::kind::integer ? last.integer : 0;
  if (what == "tripped" || what == "blocked")
    return AdmissionVerdict{.what = what == "tripped" ? K::tripped : K::blocked,
                            .retry_after_ms = ms};
  if (what != "limited" || r.elements.size() != 3) return errc::store_protocol;
  static const std::map<std::string, LimitScope, std::less<>> scopes = {
      {"phone", LimitScope::phone},
      {"ip", LimitScope::ip},
      {"prefix", LimitScope::prefix},
      {"brand", LimitScope::brand}};
  const auto scope = scopes.find(r.elements[1].str);
  if (scope == scopes.end()) return errc::store_protocol;
  return AdmissionVerdict{.what = K::limited, .scope = scope->second, .retry_after_ms = ms};
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(redis::Connection& conn) : conn_(conn) {}

task<result<AdmissionVerdict>> RedisRateLimiter::admit_send(const SendAdmission& a,
                                                            std::int64_t now_ms) {
  std::vector<std::string> args = {std::to_string(now_ms), std::to_string(rate_count(a))};
  for (const RateSubject& s : a.subjects)
    for (const auto& [key, r] : enabled_rates(s)) {
      args.emplace_back(to_string(s.scope));
      args.push_back(std::to_string(r.interval_ms()));
      args.push_back(std::to_string(r.count));
    }
  args.emplace_back(a.pumping ? "1" : "0");
  if (a.pumping)
    for (auto& p : pumping_args(a.policy)) args.push_back(std::move(p));
  const std::vector<std::string> keys = admission_keys(a);
  auto reply = co_await conn_.eval(scripts::cached(scripts::admit_brand), keys, args);
  co_return admission_verdict(reply);
}

}  // namespace otpgate
