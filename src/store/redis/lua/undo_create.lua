-- Takes back a create the brand slot then refused (its limits or the pumping watch): the record,
-- its idempotency entry and its place in the phone's index go, and the phone's rate limits get
-- their token back. Nothing was sent.
-- KEYS: record, idempotency, recent, then one per phone rate.
-- ARGV: now, id, rate count n, interval_ms per rate
-- -> {"undone"}
--!include _gcra.lua

local now = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
local rates = {}
for i = 1, n do rates[i] = {KEYS[3 + i], tonumber(ARGV[3 + i])} end
redis.call('DEL', KEYS[1])
if redis.call('HGET', KEYS[2], 'id') == ARGV[2] then redis.call('DEL', KEYS[2]) end
redis.call('LREM', KEYS[3], 1, ARGV[2])
gcra_refund(rates, now)
return {'undone'}
