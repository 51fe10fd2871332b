-- Gives back what admit_brand took for a send that then did not happen (the phone's slot
-- refused it: a replay, a lock, the phone's limit).
-- KEYS: as admit_brand's. ARGV: now, rate count n, then interval_ms per rate, then pumping
-- ("1" on, "0" off), window_ms, baseline_ms, ttl_ms
-- -> "refunded"
--!include _gcra.lua

--!include _pumping.lua

local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local rates = {}
for i = 1, n do rates[i] = {KEYS[i], tonumber(ARGV[2 + i])} end
gcra_refund(rates, now)
local p = 3 + n
if ARGV[p] == '1' then
  pumping_refund(KEYS[n + 2], KEYS[n + 3], now, tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]),
                 ARGV[p + 3])
end
return 'refunded'
