-- Gives back the token an admitted event took from each rate of one subject (one slot), for a
-- send that then did not happen (a resend the brand's limits refused after the phone's took
-- their token).
-- KEYS: one per rate. ARGV: now, then interval_ms per key.
-- -> {"refunded"}
--!include _gcra.lua

local now = tonumber(ARGV[1])
local rates = {}
for i = 1, #KEYS do rates[i] = {KEYS[i], tonumber(ARGV[1 + i])} end
gcra_refund(rates, now)
return {'refunded'}
