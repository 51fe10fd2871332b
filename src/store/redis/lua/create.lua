-- The phone slot's part of a create, in one call: an earlier request with the same idempotency
-- key is answered (it sends nothing, so neither the lock nor the limits apply to it), a locked
-- phone is refused, the phone's rate limits take their token (all or nothing), and the
-- verification is stored.
-- KEYS: record, idempotency, lock, recent (the phone's index of ids, newest first), then one
-- per phone rate. ARGV: now, record_ttl_ms, idem_fingerprint ("" = none), idem_ttl_ms, new_id,
-- recent_kept, rate count n, interval_ms and burst per rate, then field, value, ...
-- -> {"created"} | {"replay", id, {field, value, ...}} ({"replay", id}: the record expired) |
--    {"idem_conflict"} | {"blocked", pttl} | {"limited", retry_ms}
--!include _gcra.lua

local now = tonumber(ARGV[1])
if ARGV[3] ~= '' then
  local prior = redis.call('HMGET', KEYS[2], 'fp', 'id')
  if prior[1] then
    if prior[1] ~= ARGV[3] then return {'idem_conflict'} end
    -- The first request's record, under its key in this slot (the new record's key, its id
    -- swapped): the replay needs no second call. Without a record it has expired.
    local prior_key = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[5]) .. prior[2]
    if redis.call('EXISTS', prior_key) == 0 then return {'replay', prior[2]} end
    return {'replay', prior[2], redis.call('HGETALL', prior_key)}
  end
end
local lock_ttl = redis.call('PTTL', KEYS[3])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
local n = tonumber(ARGV[7])
local rates = gcra_rates(5, n, 8)
local tats, retry = gcra_verdict(rates, now)
if not tats then return {'limited', retry} end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('id collision') end
gcra_commit(rates, tats, now)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'fp', ARGV[3], 'id', ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
local fields = {}
for i = 8 + 2 * n, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
-- The phone's index of its newest verifications (for support's lookup): capped, and kept
-- as long as the newest record it names (a TTL is only ever extended).
redis.call('LPUSH', KEYS[4], ARGV[5])
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[6]) - 1)
if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
end
return {'created'}
