-- GCRA rate limit: mirrors gcra_admit (core/rate_limit.cpp), all-or-nothing over keys of one
-- hash slot. Numbers are written with %.0f: tostring would use %.14g, enough for a millisecond
-- epoch but not guaranteed for every value.
-- KEYS: one per rate. ARGV: now, then interval_ms and burst per key.
-- -> {1, 0} admitted (every key's TAT stored with a TTL until it) | {0, retry_after_ms}
--    denied (nothing changed; the longest wait among the keys that denied)

local now = tonumber(ARGV[1])
local tats = {}
local retry = 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tolerance = (burst - 1) * interval
  local tat = tonumber(redis.call('GET', KEYS[i]) or now) or now
  if tat < now then tat = now end
  if tat > now + burst * interval then tat = now + burst * interval end
  if tat - now > tolerance then
    local wait = tat - tolerance - now
    if wait > retry then retry = wait end
  end
  tats[i] = tat + interval
end
if retry > 0 then return {0, retry} end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], string.format('%.0f', tats[i]), 'PX',
             string.format('%.0f', tats[i] - now))
end
return {1, 0}
