-- Checks a code. Mirrors apply_check (core/verification.hpp), step for step; its outcome is
-- recorded under the request's Idempotency-Key when it has one (_retry.lua), so a retried right
-- code answers approved and a retried wrong one uses no second attempt.
-- KEYS: record, failures, lock, lock_level, [idempotency entry].
-- ARGV: brand (or "*"), now, mac (the typed code's MAC without a binding), bound_mac (with the
-- presented order's PSD2 binding; compared instead of mac when the record has pb = 1),
-- [the request's fingerprint]. The lock policy is read from the record.
-- -> {"not_found"} | {"blocked", pttl} | {"idem_conflict"} |
--    {result, lock_ms, fields... [, 1 (replayed)]}
--    result: approved | wrong | failed | expired | not_pending

--!include _prelude.lua

--!include _retry.lua
local r = KEYS[1]
-- Every field the check reads, in one call.
local f = redis.call('HMGET', r, 'b', 'st', 'ex', 'pb', 'mac', 'ma', 'lkn', 'lkw', 'lkd', 'lkm')
if not owned_by(f[1], ARGV[1]) then return {'not_found'} end
-- A replay answers before the lock: it changes nothing, and it answers what was done.
local entry, fp = KEYS[5], ARGV[5]
local replay = retry_judge(entry, fp)
if replay then return replay end
local lock_ttl = redis.call('PTTL', KEYS[3])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
local now = tonumber(ARGV[2])
local stop = guard_read(r, f[2], f[3], now)
if stop then return retry_record(entry, fp, r, {stop, 0, redis.call('HGETALL', r)}) end
local used = redis.call('HINCRBY', r, 'au', 1)
-- ARGV[3] is the typed code's MAC without a binding, ARGV[4] with the binding of the order
-- the check presented. A bound record compares only the bound one, so a wrong order is
-- exactly a wrong code (attempt, failure count, answer). ARGV[4] may be absent (the
-- benchmark's 3-argument call): then a bound record never matches.
local presented = ARGV[3]
if f[4] == '1' then presented = ARGV[4] or '' end
if mac_equal(f[5], presented) then
  redis.call('HSET', r, 'st', 'approved', 'fin', now)
  redis.call('DEL', KEYS[2])
  return retry_record(entry, fp, r, {'approved', 0, redis.call('HGETALL', r)})
end
-- A wrong code also counts against the phone across verifications; at the threshold the
-- phone is locked, each further lock twice as long (up to max_lock_ms).
local locked = 0
local fails = redis.call('INCR', KEYS[2])
if fails == 1 then redis.call('PEXPIRE', KEYS[2], f[8]) end
if fails >= tonumber(f[7]) then
  local level = redis.call('INCR', KEYS[4])
  redis.call('PEXPIRE', KEYS[4], f[10])
  locked = math.min(tonumber(f[9]) * 2 ^ (level - 1), tonumber(f[10]))
  redis.call('SET', KEYS[3], now, 'PX', locked)
  redis.call('DEL', KEYS[2])
end
if used >= tonumber(f[6]) then
  redis.call('HSET', r, 'st', 'failed', 'fin', now)
  return retry_record(entry, fp, r, {'failed', locked, redis.call('HGETALL', r)})
end
return retry_record(entry, fp, r, {'wrong', locked, redis.call('HGETALL', r)})
