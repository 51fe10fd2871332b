-- Cancels a verification: apply_cancel (core/verification.hpp), its outcome recorded under the
-- request's Idempotency-Key when it has one (_retry.lua).
-- KEYS: record, [idempotency entry]. ARGV: brand (or "*"), now, [the request's fingerprint]
-- -> {"not_found"} | {"idem_conflict"} | {result, 0, fields... [, 1 (replayed)]}
--    result: cancelled | expired | not_pending

--!include _prelude.lua

--!include _retry.lua

local r = KEYS[1]
if not owned(r, ARGV[1]) then return {'not_found'} end
local entry, fp = KEYS[2], ARGV[3]
local replay = retry_judge(entry, fp)
if replay then return replay end
local now = tonumber(ARGV[2])
local stop = guard(r, now)
if stop then return retry_record(entry, fp, r, {stop, 0, redis.call('HGETALL', r)}) end
redis.call('HSET', r, 'st', 'cancelled', 'fin', now)
return retry_record(entry, fp, r, {'cancelled', 0, redis.call('HGETALL', r)})
