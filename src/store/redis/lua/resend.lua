-- Claims a resend: apply_resend (core/verification.hpp).
-- KEYS: record, lock. ARGV: brand (or "*"), now
-- -> {"not_found"} | {"blocked", pttl} | {result, retry_after_ms, fields...}
--    result: sent | too_soon | too_late | limit_reached | expired | not_pending

--!include _prelude.lua
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
redis.call('HINCRBY', r, 'sn', 1)
redis.call('HSET', r, 'ls', now)
return {'sent', 0, redis.call('HGETALL', r)}
