#include "otpgate/store/redis/redis_scripts.hpp"

#include <stdexcept>
#include <string>

namespace otpgate::scripts {

// Shared prelude: a constant-time comparison (no early exit on the first differing byte) and
// the guard every transition starts with. Statuses and field names match VerificationRecord:
//   st status, mac code MAC, ex expires, fin finished, au attempts used, ma max attempts,
//   sn sends, ms max sends, cd cooldown, ls last send, dst delivery status, gw gateway,
//   mid the gateway's message id, ar the automatic resend (0 off, 1 available, 2 used),
//   lkn/lkw/lkd/lkm the lock policy (failures, window, first lock, longest lock), pb 1 when the
//   code is bound to the order (PSD2 dynamic linking).
#define OTPGATE_LUA_PRELUDE                                                       \
  "local function ct_equal(a, b)\n"                                               \
  "  if type(a) ~= 'string' or #a ~= #b then return false end\n"                  \
  "  local diff = 0\n"                                                            \
  "  for i = 1, #a do diff = bit.bor(diff, bit.bxor(a:byte(i), b:byte(i))) end\n" \
  "  return diff == 0\n"                                                          \
  "end\n"                                                                         \
  "local function guard(r, now)\n"                                                \
  "  local st = redis.call('HGET', r, 'st')\n"                                    \
  "  if st ~= 'pending' then return 'not_pending' end\n"                          \
  "  if now >= tonumber(redis.call('HGET', r, 'ex')) then\n"                      \
  "    redis.call('HSET', r, 'st', 'expired', 'fin', now)\n"                      \
  "    return 'expired'\n"                                                        \
  "  end\n"                                                                       \
  "  return nil\n"                                                                \
  "end\n"                                                                         \
  "local function owned(r, brand)\n"                                              \
  "  local b = redis.call('HGET', r, 'b')\n"                                      \
  "  return b and (brand == '*' or b == brand)\n"                                 \
  "end\n"

// Mirrors gcra_admit (core/rate_limit.cpp). Numbers are written with %.0f: tostring would use
// %.14g, enough for a millisecond epoch but not guaranteed for every value.
const std::string_view rate_limit =
    "local now = tonumber(ARGV[1])\n"
    "local tats = {}\n"
    "local retry = 0\n"
    "for i = 1, #KEYS do\n"
    "  local interval = tonumber(ARGV[2 * i])\n"
    "  local burst = tonumber(ARGV[2 * i + 1])\n"
    "  local tolerance = (burst - 1) * interval\n"
    "  local tat = tonumber(redis.call('GET', KEYS[i]) or now) or now\n"
    "  if tat < now then tat = now end\n"
    "  if tat > now + burst * interval then tat = now + burst * interval end\n"
    "  if tat - now > tolerance then\n"
    "    local wait = tat - tolerance - now\n"
    "    if wait > retry then retry = wait end\n"
    "  end\n"
    "  tats[i] = tat + interval\n"
    "end\n"
    "if retry > 0 then return {0, retry} end\n"
    "for i = 1, #KEYS do\n"
    "  redis.call('SET', KEYS[i], string.format('%.0f', tats[i]), 'PX',\n"
    "             string.format('%.0f', tats[i] - now))\n"
    "end\n"
    "return {1, 0}\n";

// Mirrors pumping_admit (core/pumping.cpp). Counts are written with %.17g: a double survives
// the round trip exactly.
const std::string_view pumping =
    "local now = tonumber(ARGV[1])\n"
    "local window = tonumber(ARGV[2])\n"
    "local baseline = tonumber(ARGV[3])\n"
    "local factor = tonumber(ARGV[4])\n"
    "local min_sends = tonumber(ARGV[5])\n"
    "local block = tonumber(ARGV[6])\n"
    "local ttl = ARGV[7]\n"
    "local since = tonumber(redis.call('GET', KEYS[1]) or '')\n"
    "if not since then since = now end\n"
    "redis.call('SET', KEYS[1], string.format('%.0f', since), 'PX', ttl)\n"
    "local function load(key)\n"
    "  local h = redis.call('HMGET', key, 'r', 'b', 't', 'u')\n"
    "  local t = tonumber(h[3]) or now\n"
    "  local dt = now - t\n"
    "  if dt < 0 then dt = 0 end\n"
    "  return (tonumber(h[1]) or 0) * math.exp(-dt / window),\n"
    "         (tonumber(h[2]) or 0) * math.exp(-dt / baseline), tonumber(h[4]) or 0\n"
    "end\n"
    "local function store(key, recent, base, blocked_until)\n"
    "  redis.call('HSET', key, 'r', string.format('%.17g', recent), 'b',\n"
    "             string.format('%.17g', base), 't', string.format('%.0f', now), 'u',\n"
    "             string.format('%.0f', blocked_until))\n"
    "  redis.call('PEXPIRE', key, ttl)\n"
    "end\n"
    "local function rate(count, tau, elapsed)\n"
    "  return count / (tau * (1 - math.exp(-elapsed / tau)))\n"
    "end\n"
    "local blocked_until = tonumber(redis.call('HGET', KEYS[2], 'u')) or 0\n"
    "if blocked_until > now then return {'blocked', blocked_until - now} end\n"
    "local recent, base = load(KEYS[2])\n"
    "local all_recent, all_base = load(KEYS[3])\n"
    "local elapsed = now - since\n"
    "if elapsed < 1 then elapsed = 1 end\n"
    "local growth = rate(recent + 1, window, elapsed) / rate(base + 1, baseline, elapsed)\n"
    "local rest_recent = math.max(0, all_recent - recent)\n"
    "local rest_base = math.max(0, all_base - base)\n"
    "local rest_growth = 1\n"
    "if rest_base >= min_sends and rest_recent > 0 then\n"
    "  rest_growth = rate(rest_recent, window, elapsed) / rate(rest_base, baseline, elapsed)\n"
    "end\n"
    "if recent + 1.5 >= min_sends and growth > factor * math.max(1, rest_growth) then\n"
    "  store(KEYS[2], recent, base, now + block)\n"
    "  store(KEYS[3], all_recent, all_base, 0)\n"
    "  return {'tripped', block}\n"
    "end\n"
    "store(KEYS[2], recent + 1, base + 1, 0)\n"
    "store(KEYS[3], all_recent + 1, all_base + 1, 0)\n"
    "return {'allowed', 0}\n";

const std::string_view create =
    // A replay answers the first request even when the phone was locked since: it sends nothing.
    "if ARGV[3] ~= '' then\n"
    "  local prior = redis.call('HMGET', KEYS[2], 'fp', 'id')\n"
    "  if prior[1] then\n"
    "    if prior[1] ~= ARGV[3] then return {'idem_conflict'} end\n"
    "    return {'replay', prior[2]}\n"
    "  end\n"
    "end\n"
    "if ARGV[7] == '1' then return {'not_replayed'} end\n"
    "local lock_ttl = redis.call('PTTL', KEYS[3])\n"
    "if lock_ttl > 0 then return {'blocked', lock_ttl} end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('id collision') end\n"
    "if ARGV[3] ~= '' then\n"
    "  redis.call('HSET', KEYS[2], 'fp', ARGV[3], 'id', ARGV[5])\n"
    "  redis.call('PEXPIRE', KEYS[2], ARGV[4])\n"
    "end\n"
    "local fields = {}\n"
    "for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end\n"
    "redis.call('HSET', KEYS[1], unpack(fields))\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    // The phone's index of its newest verifications (for support's lookup): capped, and kept
    // as long as the newest record it names (a TTL is only ever extended).
    "redis.call('LPUSH', KEYS[4], ARGV[5])\n"
    "redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[6]) - 1)\n"
    "if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[2]) then\n"
    "  redis.call('PEXPIRE', KEYS[4], ARGV[2])\n"
    "end\n"
    "return {'created'}\n";

const std::string_view check = OTPGATE_LUA_PRELUDE
    "local r = KEYS[1]\n"
    "if not owned(r, ARGV[1]) then return {'not_found'} end\n"
    "local lock_ttl = redis.call('PTTL', KEYS[3])\n"
    "if lock_ttl > 0 then return {'blocked', lock_ttl} end\n"
    "local now = tonumber(ARGV[2])\n"
    "local stop = guard(r, now)\n"
    "if stop then return {stop, 0, redis.call('HGETALL', r)} end\n"
    "local used = redis.call('HINCRBY', r, 'au', 1)\n"
    // ARGV[3] is the typed code's MAC without a binding, ARGV[4] with the binding of the order
    // the check presented. A bound record compares only the bound one, so a wrong order is
    // exactly a wrong code (attempt, failure count, answer). ARGV[4] may be absent (the
    // benchmark's 3-argument call): then a bound record never matches.
    "local presented = ARGV[3]\n"
    "if redis.call('HGET', r, 'pb') == '1' then presented = ARGV[4] or '' end\n"
    "if ct_equal(redis.call('HGET', r, 'mac'), presented) then\n"
    "  redis.call('HSET', r, 'st', 'approved', 'fin', now)\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  return {'approved', 0, redis.call('HGETALL', r)}\n"
    "end\n"
    // A wrong code also counts against the phone across verifications; at the threshold the
    // phone is locked, each further lock twice as long (up to max_lock_ms).
    "local locked = 0\n"
    "local lk = redis.call('HMGET', r, 'lkn', 'lkw', 'lkd', 'lkm')\n"
    "local fails = redis.call('INCR', KEYS[2])\n"
    "if fails == 1 then redis.call('PEXPIRE', KEYS[2], lk[2]) end\n"
    "if fails >= tonumber(lk[1]) then\n"
    "  local level = redis.call('INCR', KEYS[4])\n"
    "  redis.call('PEXPIRE', KEYS[4], lk[4])\n"
    "  locked = math.min(tonumber(lk[3]) * 2 ^ (level - 1), tonumber(lk[4]))\n"
    "  redis.call('SET', KEYS[3], now, 'PX', locked)\n"
    "  redis.call('DEL', KEYS[2])\n"
    "end\n"
    "if used >= tonumber(redis.call('HGET', r, 'ma')) then\n"
    "  redis.call('HSET', r, 'st', 'failed', 'fin', now)\n"
    "  return {'failed', locked, redis.call('HGETALL', r)}\n"
    "end\n"
    "return {'wrong', locked, redis.call('HGETALL', r)}\n";

const std::string_view resend = OTPGATE_LUA_PRELUDE
    "local r = KEYS[1]\n"
    "if not owned(r, ARGV[1]) then return {'not_found'} end\n"
    // A locked phone gets no more SMS, not even resends of a pending verification.
    "local lock_ttl = redis.call('PTTL', KEYS[2])\n"
    "if lock_ttl > 0 then return {'blocked', lock_ttl} end\n"
    "local now = tonumber(ARGV[2])\n"
    "local stop = guard(r, now)\n"
    "if stop then return {stop, 0, redis.call('HGETALL', r)} end\n"
    "local v = redis.call('HMGET', r, 'sn', 'ms', 'ls', 'cd', 'ex')\n"
    "if tonumber(v[1]) >= tonumber(v[2]) then\n"
    "  return {'limit_reached', 0, redis.call('HGETALL', r)}\n"
    "end\n"
    "local available = tonumber(v[3]) + tonumber(v[4])\n"
    // core min_resend_validity_ms: no resend of a code that expires within 30 s.
    "if math.max(now, available) > tonumber(v[5]) - 30000 then\n"
    "  return {'too_late', 0, redis.call('HGETALL', r)}\n"
    "end\n"
    "if now < available then return {'too_soon', available - now, redis.call('HGETALL', r)} end\n"
    "redis.call('HINCRBY', r, 'sn', 1)\n"
    "redis.call('HSET', r, 'ls', now)\n"
    "return {'sent', 0, redis.call('HGETALL', r)}\n";

const std::string_view cancel = OTPGATE_LUA_PRELUDE
    "local r = KEYS[1]\n"
    "if not owned(r, ARGV[1]) then return {'not_found'} end\n"
    "local now = tonumber(ARGV[2])\n"
    "local stop = guard(r, now)\n"
    "if stop then return {stop, 0, redis.call('HGETALL', r)} end\n"
    "redis.call('HSET', r, 'st', 'cancelled', 'fin', now)\n"
    "return {'cancelled', 0, redis.call('HGETALL', r)}\n";

const std::string_view delivery = OTPGATE_LUA_PRELUDE
    "local r = KEYS[1]\n"
    "if not owned(r, ARGV[1]) then return {'not_found'} end\n"
    "local accepted = ARGV[4] == '1'\n"
    // A failed resend (by the customer or automatic) leaves the earlier send's state alone: that
    // SMS may still arrive, and its delivery report must still match.
    "if not accepted and ARGV[5] ~= '1' then return {'ok', 0, redis.call('HGETALL', r)} end\n"
    "redis.call('HSET', r, 'gw', ARGV[3], 'dst', accepted and 'accepted' or 'failed', 'mid',\n"
    "           ARGV[6])\n"
    "if not accepted and ARGV[5] == '1' and redis.call('HGET', r, 'st') == 'pending' then\n"
    "  redis.call('HSET', r, 'st', 'send_failed', 'fin', ARGV[2])\n"
    "end\n"
    "return {'ok', 0, redis.call('HGETALL', r)}\n";

// A delivery report. Applies only to the send it is about (same gateway and, when the report
// has one, the same message id), never moves a final state back to "accepted" (reports arrive
// out of order), and claims the one automatic resend for an undelivered SMS while the
// verification is pending and the brand asked for it.
const std::string_view report =
    "local r = KEYS[1]\n"
    "if redis.call('EXISTS', r) == 0 then return {'not_found'} end\n"
    "local v = redis.call('HMGET', r, 'gw', 'mid', 'dst', 'st', 'ex', 'ar')\n"
    "local status = ARGV[3]\n"
    "local stale = v[1] ~= ARGV[1] or (ARGV[2] ~= '' and v[2] ~= ARGV[2]) or v[3] == status\n"
    "  or (status == 'accepted' and v[3] ~= 'accepted' and v[3] ~= 'queued')\n"
    "if stale then return {'stale', 0, redis.call('HGETALL', r)} end\n"
    "redis.call('HSET', r, 'dst', status)\n"
    // The first "delivered" of the verification (any send's) is kept: analytics count it once.
    "if status == 'delivered' and (tonumber(redis.call('HGET', r, 'dl')) or 0) == 0 then\n"
    "  redis.call('HSET', r, 'dl', ARGV[4])\n"
    "end\n"
    "local claimed = 0\n"
    // A locked phone gets no more SMS, not even this one (as the resend script).
    "if (status == 'undelivered' or status == 'failed') and v[4] == 'pending'\n"
    "  and tonumber(ARGV[4]) < tonumber(v[5]) and v[6] == '1'\n"
    "  and redis.call('PTTL', KEYS[2]) <= 0 then\n"
    "  redis.call('HSET', r, 'ar', '2')\n"
    "  claimed = 1\n"
    "end\n"
    "return {'applied', claimed, redis.call('HGETALL', r)}\n";

const std::string_view expire =
    "local v = redis.call('HMGET', KEYS[1], 'st', 'ex')\n"
    "if v[1] == 'pending' and tonumber(ARGV[1]) >= tonumber(v[2]) then\n"
    "  redis.call('HSET', KEYS[1], 'st', 'expired', 'fin', ARGV[1])\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

const std::map<std::string_view, std::string_view>& by_name() {
  static const std::map<std::string_view, std::string_view> all = {{"create", create},
                                                                   {"check", check},
                                                                   {"resend", resend},
                                                                   {"cancel", cancel},
                                                                   {"delivery", delivery},
                                                                   {"expire", expire},
                                                                   {"report", report},
                                                                   {"rate_limit", rate_limit},
                                                                   {"pumping", pumping},
                                                                   {"record_event", record_event},
                                                                   {"read_buckets", read_buckets},
                                                                   {"sum_buckets", sum_buckets}};
  return all;
}

const redis::Script& cached(std::string_view source) {
  // Sources are static, so their addresses are stable keys; a function-local static is
  // thread-safe to initialise.
  static const std::map<const char*, redis::Script> scripts = [] {
    std::map<const char*, redis::Script> out;
    for (const auto& [name, text] : by_name()) out.emplace(text.data(), std::string(text));
    return out;
  }();
  const auto it = scripts.find(source.data());
  // A script missing from by_name() would otherwise be sent under another one's SHA.
  if (it == scripts.end()) throw std::logic_error("redis script not registered in by_name()");
  return it->second;
}

}  // namespace otpgate::scripts
