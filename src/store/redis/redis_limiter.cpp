// The rate limits and the pumping watch in Redis: their keys, and one script call each
// (src/store/redis/lua/rate_limit.lua and pumping.lua).
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
  std::string tag;
  switch (subject.scope) {
    case LimitScope::phone:
      tag = subject.id;
      break;
    case LimitScope::ip:
      tag = "rl:ip:" + subject.id;
      break;
    case LimitScope::prefix:
      tag = "rl:px:" + subject.brand + ":" + subject.id;
      break;
    case LimitScope::brand:
      tag = "rl:b:" + subject.brand;
      break;
  }
  return "otp:{" + tag + "}:rl:" + std::to_string(rate.period_ms / 1000);
}

std::string RedisKeys::pumping_since(std::string_view brand, int prefix_digits) {
  return "otp:{pump:" + std::string(brand) + ":" + std::to_string(prefix_digits) + "}:since";
}
std::string RedisKeys::pumping_prefix(std::string_view brand, int prefix_digits,
                                      std::string_view prefix) {
  return "otp:{pump:" + std::string(brand) + ":" + std::to_string(prefix_digits) +
         "}:px:" + std::string(prefix);
}
std::string RedisKeys::pumping_all(std::string_view brand, int prefix_digits) {
  return "otp:{pump:" + std::string(brand) + ":" + std::to_string(prefix_digits) + "}:all";
}

namespace {

// A limiter script's answer {verdict, milliseconds}: the verdict of kind `first`, the number an
// integer. A script error is logged.
result<std::pair<Reply, std::int64_t>> verdict_pair(const result<Reply>& reply, Reply::kind first) {
  if (!reply) return reply.error();
  const Reply& r = reply.value();
  if (r.is_error()) {
    log::write(log::level::error, "redis script error", {{"error", r.str}});
    return errc::store_protocol;
  }
  if (r.type != Reply::kind::array || r.elements.size() != 2 || r.elements[0].type != first ||
      r.elements[1].type != Reply::kind::integer)
    return errc::store_protocol;
  return std::pair<Reply, std::int64_t>(r.elements[0], r.elements[1].integer);
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(redis::Connection& conn) : conn_(conn) {}

task<result<RateVerdict>> RedisRateLimiter::admit(const RateSubject& subject, std::int64_t now_ms) {
  std::vector<std::string> keys;
  std::vector<std::string> args = {std::to_string(now_ms)};
  for (const Rate& r : subject.rates) {
    if (!r.enabled()) continue;
    keys.push_back(RedisKeys::rate(subject, r));
    args.push_back(std::to_string(r.interval_ms()));
    args.push_back(std::to_string(r.count));
  }
  if (keys.empty()) co_return RateVerdict{};
  auto reply = co_await conn_.eval(scripts::cached(scripts::rate_limit), keys, args);
  auto pair = verdict_pair(reply, Reply::kind::integer);
  if (!pair) co_return pair.error();
  co_return RateVerdict{.allowed = pair.value().first.integer == 1,
                        .retry_after_ms = pair.value().second};
}

task<result<PumpingOutcome>> RedisRateLimiter::watch_prefix(const std::string& brand,
                                                            int prefix_digits,
                                                            const std::string& prefix,
                                                            const PumpingPolicy& policy,
                                                            std::int64_t now_ms) {
  // Kept three baselines (and at least a block) after the last send: long enough that a quiet
  // weekend does not make every prefix new again.
  const auto ttl = std::max(3 * policy.baseline, policy.block);
  const std::vector<std::string> keys = {RedisKeys::pumping_since(brand, prefix_digits),
                                         RedisKeys::pumping_prefix(brand, prefix_digits, prefix),
                                         RedisKeys::pumping_all(brand, prefix_digits)};
  // %.17g: the factor reaches Lua as the same double (std::to_string keeps 6 decimals).
  char factor[32];
  std::snprintf(factor, sizeof factor, "%.17g", policy.factor);
  const std::vector<std::string> args = {std::to_string(now_ms),
                                         std::to_string(policy.window.count()),
                                         std::to_string(policy.baseline.count()),
                                         factor,
                                         std::to_string(policy.min_sends),
                                         std::to_string(policy.block.count()),
                                         std::to_string(ttl.count())};
  auto reply = co_await conn_.eval(scripts::cached(scripts::pumping), keys, args);
  auto pair = verdict_pair(reply, Reply::kind::string);
  if (!pair) co_return pair.error();
  static const std::map<std::string, PumpingVerdict, std::less<>> verdicts = {
      {"allowed", PumpingVerdict::allowed},
      {"tripped", PumpingVerdict::tripped},
      {"blocked", PumpingVerdict::blocked}};
  const auto it = verdicts.find(pair.value().first.str);
  if (it == verdicts.end()) co_return errc::store_protocol;
  co_return PumpingOutcome{.verdict = it->second, .retry_after_ms = pair.value().second};
}

}  // namespace otpgate
