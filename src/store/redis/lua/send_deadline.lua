-- The deadline of a create's first send (apply_send_deadline, core/first_send.hpp): a pending
-- verification whose SMS nobody handed to a gateway by its deadline (the last claim's end, sd,
-- plus the retries' window) is send_failed.
-- Does nothing to any other record, so several otpgate processes may sweep the same ids.
-- KEYS: record. ARGV: now, window_ms
-- -> {"failed", 0, fields...} (this call ended it) | {"open", deadline} (not yet: a retry
--    claimed it meanwhile) | {"settled"} (sent, ended, or no such record)
--!include _first_send.lua

local now = tonumber(ARGV[1])
local verdict, deadline = apply_send_deadline(KEYS[1], now, tonumber(ARGV[2]))
if verdict == 'failed' then return {'failed', 0, redis.call('HGETALL', KEYS[1])} end
if verdict == 'open' then return {'open', deadline} end
return {'settled'}
