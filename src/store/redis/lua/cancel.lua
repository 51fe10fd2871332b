-- Cancels a verification: apply_cancel (core/verification.hpp).
-- KEYS: record. ARGV: brand (or "*"), now
-- -> {"not_found"} | {result, 0, fields...}   result: cancelled | expired | not_pending

--!include _prelude.lua
local r = KEYS[1]
if not owned(r, ARGV[1]) then return {'not_found'} end
local now = tonumber(ARGV[2])
local stop = guard(r, now)
if stop then return {stop, 0, redis.call('HGETALL', r)} end
redis.call('HSET', r, 'st', 'cancelled', 'fin', now)
return {'cancelled', 0, redis.call('HGETALL', r)}
