-- Claims a resend: apply_resend (core/verification.hpp), then the phone's rate limits take
-- their token, all or nothing (gcra_admit, core/rate_limit.hpp). Only a resend the record
-- admits is counted, so of parallel resends only the one that wins takes a token.
-- With an Idempotency-Key (_retry.lua) the claim is recorded under it as 'claimed', held by
-- the request (sk, its claim id) until due (now + claim_ms); delivery.lua settles it as sent or
-- send_failed once the SMS's fate is known, and a retry replays that. A retry that finds the
-- claim unsettled waits while it runs ({"in_flight", wait}) and afterwards takes it over
-- ({"claimed", ...}: the retry sends the SMS already counted, with no new token), unless the
-- verification ended or too little of its validity is left (answered and recorded as such).
-- An answer to try later (a locked phone, too soon, a phone limit) is not recorded: nothing
-- was done, so a retry is judged anew.
-- KEYS: record, lock, then one per phone rate, [idempotency entry]. ARGV: brand (or "*"), now,
-- rate count n, then interval_ms and burst per rate, [the request's fingerprint, claim_ms,
-- claim id].
-- -> {"not_found"} | {"blocked", pttl} | {"idem_conflict"} | {"in_flight", wait} |
--    {result, number, {field, value, ...} [, 1 (replayed)]}
--    result: sent (number: the send before this one, for undo_resend.lua) | claimed (a retry
--    took over an unsettled claim) | too_soon (number: the wait) | limited (number: the wait) |
--    too_late | limit_reached | expired | not_pending | send_failed (replayed only)
--!include _prelude.lua

--!include _gcra.lua

--!include _retry.lua

local r = KEYS[1]
if not owned(r, ARGV[1]) then return {'not_found'} end
local n = tonumber(ARGV[3])
local entry, fp = KEYS[3 + n], ARGV[4 + 2 * n]
local claim_ms, holder = tonumber(ARGV[5 + 2 * n]), ARGV[6 + 2 * n]
local now = tonumber(ARGV[2])
local replay = retry_judge(entry, fp)
if replay and replay[1] ~= 'claimed' then
  -- The verification as it is now: the recorded one predates the send's outcome.
  if replay[3] then replay[3] = redis.call('HGETALL', r) end
  return replay
end
-- A locked phone gets no more SMS, not even resends of a pending verification.
local lock_ttl = redis.call('PTTL', KEYS[2])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
if replay then  -- a claim not settled yet
  local due = tonumber(redis.call('HGET', entry, 'due')) or 0
  if now < due then return {'in_flight', due - now} end
  redis.call('HDEL', entry, 'due', 'sk')  -- whatever this retry answers ends the claim
  local stop = guard(r, now)
  if stop then return retry_record(entry, fp, r, {stop, 0, redis.call('HGETALL', r)}) end
  -- core min_resend_validity_ms, as below.
  if now > tonumber(redis.call('HGET', r, 'ex')) - 30000 then
    return retry_record(entry, fp, r, {'too_late', 0, redis.call('HGETALL', r)})
  end
  redis.call('HSET', entry, 'due', now + claim_ms, 'sk', holder)
  return {'claimed', 0, redis.call('HGETALL', r)}
end
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
local tats, retry = gcra_verdict(3, n, 4, 2, now)
if not tats then return {'limited', retry, redis.call('HGETALL', r)} end
gcra_commit(3, tats, now)
redis.call('HINCRBY', r, 'sn', 1)
redis.call('HSET', r, 'ls', now)
local fields = redis.call('HGETALL', r)
if entry then
  retry_record(entry, fp, r, {'claimed', tonumber(v[3]), fields})
  redis.call('HSET', entry, 'due', now + claim_ms, 'sk', holder)
end
return {'sent', tonumber(v[3]), fields}
