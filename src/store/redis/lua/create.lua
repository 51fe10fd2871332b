-- Creates a verification.
-- KEYS: record, idempotency, lock, recent (the phone's index of ids, newest first).
-- ARGV: now, record_ttl_ms, idem_fingerprint ("" = none), idem_ttl_ms, new_id, recent_kept,
-- replay_only ("1": answer an earlier request with this idempotency key, or not_replayed, and
-- create nothing), field, value, ...
-- -> {"created"} | {"replay", id} | {"idem_conflict"} | {"blocked", pttl} | {"not_replayed"}

-- A replay answers the first request even when the phone was locked since: it sends nothing.
if ARGV[3] ~= '' then
  local prior = redis.call('HMGET', KEYS[2], 'fp', 'id')
  if prior[1] then
    if prior[1] ~= ARGV[3] then return {'idem_conflict'} end
    return {'replay', prior[2]}
  end
end
if ARGV[7] == '1' then return {'not_replayed'} end
local lock_ttl = redis.call('PTTL', KEYS[3])
if lock_ttl > 0 then return {'blocked', lock_ttl} end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('id collision') end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'fp', ARGV[3], 'id', ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
local fields = {}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
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
