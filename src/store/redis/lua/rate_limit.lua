-- GCRA rate limit over keys of one hash slot, all or nothing (see _gcra.lua).
-- KEYS: one per rate. ARGV: now, then interval_ms and burst per key.
-- -> {1, 0} admitted (every key's TAT stored with a TTL until it) | {0, retry_after_ms}
--    denied (nothing changed; the longest wait among the keys that denied)
--!include _gcra.lua

local now = tonumber(ARGV[1])
local rates = gcra_rates(1, #KEYS, 2)
local tats, retry = gcra_verdict(rates, now)
if not tats then return {0, retry} end
gcra_commit(rates, tats, now)
return {1, 0}
