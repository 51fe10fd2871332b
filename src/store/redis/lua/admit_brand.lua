-- The brand slot's part of admitting a send: the client IP, number range and brand rate limits
-- and the SMS pumping watch, all or nothing (a refusal takes no token and counts nothing).
-- KEYS: one per rate, then (pumping on) the watching-since key, the prefix's hash and the
-- brand's hash of all prefixes; one slot, the brand's.
-- ARGV: now, rate count n, then scope, interval_ms, burst per rate (narrowest scope first),
-- then pumping ("1" on, "0" off), window_ms, baseline_ms, factor, min_sends, block_ms, ttl_ms
-- -> {"allowed"} | {"limited", scope, retry_ms} (the first scope that denies) |
--    {"tripped", block_ms} | {"blocked", remaining_ms}
--!include _gcra.lua

--!include _pumping.lua

local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local tats = {}
-- Every rate's TAT in one read; the scopes are judged in order, the first that denies answers.
local stored = gcra_read(1, n)
for i = 1, n do
  local tat, wait = gcra_step(tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2]), stored[i], now)
  if not tat then return {'limited', ARGV[3 * i], wait} end
  tats[i] = tat
end
local p = 3 + 3 * n
if ARGV[p] == '1' then
  local verdict, ms = pumping_watch(KEYS[n + 1], KEYS[n + 2], KEYS[n + 3], now,
                                    tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]),
                                    tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4]),
                                    tonumber(ARGV[p + 5]), ARGV[p + 6])
  if verdict ~= 'allowed' then return {verdict, ms} end
end
gcra_commit(1, tats, now)
return {'allowed'}
