-- Claims a resend: apply_resend (core/verification.hpp), then the phone's rate limits take
-- their token, all or nothing (gcra_admit, core/rate_limit.hpp). Only a resend the record
-- admits is counted, so of parallel resends only the one that wins takes a token.
-- Its outcome is recorded under the request's Idempotency-Key when it has one (_retry.lua): a
-- retry of a claimed resend claims (and sends) nothing. An answer to try later (a locked phone,
-- too soon, a phone limit) is not recorded: nothing was done, so a retry is judged anew.
-- KEYS: record, lock, then one per phone rate, [idempotency entry]. ARGV: brand (or "*"), now,
-- rate count n, then interval_ms and burst per rate, [the request's fingerprint].
-- -> {"not_found"} | {"blocked", pttl} | {"idem_conflict"} |
--    {result, number, {field, value, ...} [, 1 (replayed)]}
--    result: sent (number: the send before this one, for undo_resend.lua) | too_soon (number:
--    the wait) | limited (number: the wait) | too_late | limit_reached | expired | not_pending
--    | send_failed (replayed only: settle_resend.lua)
--!include _prelude.lua

--!include _gcra.lua

--!include _retry.lua

local r = KEYS[1]
if not owned(r, ARGV[1]) then return {'not_found'} end
local n = tonumber(ARGV[3])
local entry, fp = KEYS[3 + n], ARGV[4 + 2 * n]
local replay = retry_judge(entry, fp)
if replay then
  -- The verification as it is now: the recorded one predates the send's outcome.
  if replay[3] then replay[3] = redis.call('HGETALL', r) end
  return replay
end
-- A locked phone gets no more SMS, not even resends of a pending verification.
local lock_ttl = redis.call('PTTL', KEYS[2])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
local now = tonumber(ARGV[2])
local stop = guard(r, now)
if stop then return retry_record(entry, fp, r, {stop, 0, redis.call('HGETALL', r)}) end
local v = redis.call('HMGET', r, 'sn', 'ms', 'ls', 'cd', 'ex')
if tonumber(v[1]) >= tonumber(v[2]) then
  return retry_record(entry, fp, r, {'limit_reached', 0, redis.call('HGETALL', r)})
end
local available = tonumber(v[3]) + tonumber(v[4])
-- core min_resend_validity_ms: no resend of a code that expires within 30 s.
if math.max(now, available) > tonumber(v[5]) - 30000 then
  return retry_record(entry, fp, r, {'too_late', 0, redis.call('HGETALL', r)})
end
if now < available then return {'too_soon', available - now, redis.call('HGETALL', r)} end
local rates = gcra_rates(3, n, 4)
local tats, retry = gcra_verdict(rates, now)
if not tats then return {'limited', retry, redis.call('HGETALL', r)} end
gcra_commit(rates, tats, now)
redis.call('HINCRBY', r, 'sn', 1)
redis.call('HSET', r, 'ls', now)
return retry_record(entry, fp, r, {'sent', tonumber(v[3]), redis.call('HGETALL', r)})
