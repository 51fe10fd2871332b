-- A delivery report: apply_report (core/verification_delivery.hpp). Applies only to the send
-- it is about (same gateway and, when the report has one, the same message id), never moves a
-- final state back to "accepted" (reports arrive out of order), and claims the one automatic
-- resend for an undelivered SMS while the verification is pending and the brand asked for it.
-- KEYS: record, lock. ARGV: gateway, message_id ("" = any), status, now
-- -> {"not_found"} | {applied | stale, resend_claimed (1/0), fields...}

local r = KEYS[1]
if redis.call('EXISTS', r) == 0 then return {'not_found'} end
local v = redis.call('HMGET', r, 'gw', 'mid', 'dst', 'st', 'ex', 'ar')
local status = ARGV[3]
local stale = v[1] ~= ARGV[1] or (ARGV[2] ~= '' and v[2] ~= ARGV[2]) or v[3] == status
  or (status == 'accepted' and v[3] ~= 'accepted' and v[3] ~= 'queued')
if stale then return {'stale', 0, redis.call('HGETALL', r)} end
redis.call('HSET', r, 'dst', status)
-- The first "delivered" of the verification (any send's) is kept: analytics count it once.
if status == 'delivered' and (tonumber(redis.call('HGET', r, 'dl')) or 0) == 0 then
  redis.call('HSET', r, 'dl', ARGV[4])
end
local claimed = 0
-- A locked phone gets no more SMS, not even this one (as the resend script).
if (status == 'undelivered' or status == 'failed') and v[4] == 'pending'
  and tonumber(ARGV[4]) < tonumber(v[5]) and v[6] == '1'
  and redis.call('PTTL', KEYS[2]) <= 0 then
  redis.call('HSET', r, 'ar', '2')
  claimed = 1
end
return {'applied', claimed, redis.call('HGETALL', r)}
