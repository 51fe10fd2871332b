-- The phone slot's part of a create, in one call: an earlier request with the same idempotency
-- key is answered (it sends nothing, so neither the lock nor the limits apply to it), a locked
-- phone is refused, the phone's rate limits take their token (all or nothing), and the
-- verification is stored, with the deadline of its first send (sd: now + in_flight_ms) and its
-- holder (sk: this request's id; a retry that claims the send holds it by its own draft id).
-- A retry with the key finds the first request's verification: one whose first send is
-- recorded, or that ended, is replayed; one still unsent is the retry's to send once the claim
-- on it has run out (claim_first_send, core/first_send.hpp: the create's claim until sd, then
-- each retry's for in_flight_ms), with the first request's tokens. Only when that record is
-- gone (taken back) does the retry create anew.
-- KEYS: record, idempotency, lock, recent (the phone's index of ids, newest first), then one
-- per phone rate. ARGV: now, record_ttl_ms, idem_fingerprint ("" = none), idem_ttl_ms, new_id,
-- recent_kept, in_flight_ms, rate count n, interval_ms and burst per rate, then field, value, ...
-- -> {"created"} | {"replay", id, {field, value, ...}} ({"replay", id}: the record expired) |
--    {"claimed", id, {field, ...}} | {"failed", id, {field, ...}} (this call ended it
--    send_failed) | {"in_flight", id} | {"idem_conflict"} | {"blocked", pttl} |
--    {"limited", retry_ms}
--!include _gcra.lua

--!include _first_send.lua

local now = tonumber(ARGV[1])
if ARGV[3] ~= '' then
  local prior = redis.call('HMGET', KEYS[2], 'fp', 'id', 'done', 'at')
  -- The first request's record, under its key in this slot (the new record's key, its id
  -- swapped): the answer needs no second call.
  local prior_key = prior[2] and string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[5]) .. prior[2]
  local gone = prior[1] and redis.call('EXISTS', prior_key) == 0
  if prior[1] and not (gone and prior[3] ~= '1') then
    if prior[1] ~= ARGV[3] then return {'idem_conflict'} end
    if gone then return {'replay', prior[2]} end  -- answered, and expired since
    -- A record written before the deadline field: the first request's claim ran from 'at'.
    local verdict = claim_first_send(prior_key, now, tonumber(ARGV[7]),
                                     (tonumber(prior[4]) or 0) + tonumber(ARGV[7]), ARGV[5])
    if verdict == 'in_flight' then return {'in_flight', prior[2]} end
    if verdict == 'claimed' then redis.call('HSET', KEYS[2], 'at', ARGV[1]) end
    local tag = verdict == 'settled' and 'replay' or verdict
    return {tag, prior[2], redis.call('HGETALL', prior_key)}
  end
end
local lock_ttl = redis.call('PTTL', KEYS[3])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
local n = tonumber(ARGV[8])
local tats, retry = gcra_verdict(5, n, 9, 2, now)
if not tats then return {'limited', retry} end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('id collision') end
gcra_commit(5, tats, now)
if ARGV[3] ~= '' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'fp', ARGV[3], 'id', ARGV[5], 'at', ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
-- The record's fields, then its send's deadline and holder, in one write.
local fields = {unpack(ARGV, 9 + 2 * n)}
local m = #fields
fields[m + 1], fields[m + 2], fields[m + 3], fields[m + 4] =
  'sd', now + tonumber(ARGV[7]), 'sk', ARGV[5]
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
-- The phone's index of its newest verifications (for support's lookup): capped, and kept
-- as long as the newest record it names (a TTL is only ever extended). A list no longer than
-- the cap needs no trim, and one this push created has no TTL yet (PTTL would answer -1).
local length = redis.call('LPUSH', KEYS[4], ARGV[5])
local kept = tonumber(ARGV[6])
if length > kept then redis.call('LTRIM', KEYS[4], 0, kept - 1) end
local record_ttl = tonumber(ARGV[2])
if (length == 1 and -1 or redis.call('PTTL', KEYS[4])) < record_ttl then
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
end
return {'created'}
