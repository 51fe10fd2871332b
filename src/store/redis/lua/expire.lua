-- Marks a pending record past its expiry as expired: apply_expiry
-- (core/verification_delivery.hpp).
-- KEYS: record. ARGV: now -> 1 when this call moved it from pending to expired, else 0.

local v = redis.call('HMGET', KEYS[1], 'st', 'ex')
if v[1] == 'pending' and tonumber(ARGV[1]) >= tonumber(v[2]) then
  redis.call('HSET', KEYS[1], 'st', 'expired', 'fin', ARGV[1])
  return 1
end
return 0
