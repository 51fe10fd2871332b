-- Claims a resend: apply_resend (core/verification.hpp), then the phone's rate limits take
-- their token, all or nothing (gcra_admit, core/rate_limit.hpp). Only a resend the record
-- admits is counted, so of parallel resends only the one that wins takes a token.
-- KEYS: record, lock, then one per phone rate. ARGV: brand (or "*"), now, rate count n, then
-- interval_ms and burst per rate.
-- -> {"not_found"} | {"blocked", pttl} | {result, number, {field, value, ...}}
--    result: sent (number: the send before this one, for undo_resend.lua) | too_soon (number:
--    the wait) | limited (number: the wait) | too_late | limit_reached | expired | not_pending
--!include _prelude.lua

--!include _gcra.lua

local r = KEYS[1]
if not owned(r, ARGV[1]) then return {'not_found'} end
-- A locked phone gets no more SMS, not even resends of a pending verification.
local lock_ttl = redis.call('PTTL', KEYS[2])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
local now = tonumber(ARGV[2])
local stop = guard(r, now)
if stop then return {stop, 0, redis.call('HGETALL', r)} end
local v = redis.call('HMGET', r, 'sn', 'ms', 'ls', 'cd', 'ex')
if tonumber(v[1]) >= tonumber(v[2]) then
  return {'limit_reached', 0, redis.call('HGETALL', r)}
end
local available = tonumber(v[3]) + tonumber(v[4])
-- core min_resend_validity_ms: no resend of a code that expires within 30 s.
if math.max(now, available) > tonumber(v[5]) - 30000 then
  return {'too_late', 0, redis.call('HGETALL', r)}
end
if now < available then return {'too_soon', available - now, redis.call('HGETALL', r)} end
local rates = gcra_rates(3, tonumber(ARGV[3]), 4)
local tats, retry = gcra_verdict(rates, now)
if not tats then return {'limited', retry, redis.call('HGETALL', r)} end
gcra_commit(rates, tats, now)
redis.call('HINCRBY', r, 'sn', 1)
redis.call('HSET', r, 'ls', now)
return {'sent', tonumber(v[3]), redis.call('HGETALL', r)}
