-- Takes back a resend the brand slot then refused (its limits or the pumping watch): the send
-- count and the time of the last send go back to what they were before the claim, unless
-- something changed the record since, and the phone's rate limits get their token back.
-- Nothing was sent.
-- KEYS: record, then one per phone rate.
-- ARGV: now (the claim's), previous_send_ms, rate count n, interval_ms per rate
-- -> {"undone"}
--!include _gcra.lua

local now = tonumber(ARGV[1])
local r = KEYS[1]
local v = redis.call('HMGET', r, 'ls', 'sn')
if tonumber(v[1]) == now and (tonumber(v[2]) or 0) > 1 then
  redis.call('HINCRBY', r, 'sn', -1)
  redis.call('HSET', r, 'ls', ARGV[2])
end
local rates = {}
for i = 1, tonumber(ARGV[3]) do rates[i] = {KEYS[1 + i], tonumber(ARGV[3 + i])} end
gcra_refund(rates, now)
return {'undone'}
