-- Takes back a resend the brand slot then refused (its limits or the pumping watch): the send
-- count goes back by the one the claim added, the time of the last send goes back to the one
-- before the claim unless a later claim has moved it since, and the phone's rate limits get
-- their token back. Nothing was sent.
-- KEYS: record, then one per phone rate.
-- ARGV: now (the claim's), previous_send_ms, rate count n, interval_ms per rate
-- -> {"undone"}
--!include _gcra.lua

local now = tonumber(ARGV[1])
local r = KEYS[1]
local v = redis.call('HMGET', r, 'ls', 'sn')
-- Every undo matches one claim's increment, whatever ran in between (parallel resends with no
-- cooldown claim one after the other before any is refused).
if (tonumber(v[2]) or 0) > 1 then redis.call('HINCRBY', r, 'sn', -1) end
if tonumber(v[1]) == now then redis.call('HSET', r, 'ls', ARGV[2]) end
local rates = {}
for i = 1, tonumber(ARGV[3]) do rates[i] = {KEYS[1 + i], tonumber(ARGV[3 + i])} end
gcra_refund(rates, now)
return {'undone'}
