-- SMS pumping: mirrors pumping_admit (core/pumping.cpp) for one brand and destination prefix.
-- Counts are written with %.17g: a double survives the round trip exactly.
-- KEYS: the brand's watching-since key, the prefix's hash, the brand's hash of all prefixes
-- (one slot). ARGV: now, window_ms, baseline_ms, factor, min_sends, block_ms, ttl_ms (the keys'
-- TTL, renewed on every call)
-- -> {"allowed", 0} (counted) | {"tripped", block_ms} | {"blocked", remaining_ms}

local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local baseline = tonumber(ARGV[3])
local factor = tonumber(ARGV[4])
local min_sends = tonumber(ARGV[5])
local block = tonumber(ARGV[6])
local ttl = ARGV[7]
local since = tonumber(redis.call('GET', KEYS[1]) or '')
if not since then since = now end
redis.call('SET', KEYS[1], string.format('%.0f', since), 'PX', ttl)
local function load(key)
  local h = redis.call('HMGET', key, 'r', 'b', 't', 'u')
  local t = tonumber(h[3]) or now
  local dt = now - t
  if dt < 0 then dt = 0 end
  return (tonumber(h[1]) or 0) * math.exp(-dt / window),
         (tonumber(h[2]) or 0) * math.exp(-dt / baseline), tonumber(h[4]) or 0
end
local function store(key, recent, base, blocked_until)
  redis.call('HSET', key, 'r', string.format('%.17g', recent), 'b',
             string.format('%.17g', base), 't', string.format('%.0f', now), 'u',
             string.format('%.0f', blocked_until))
  redis.call('PEXPIRE', key, ttl)
end
local function rate(count, tau, elapsed)
  return count / (tau * (1 - math.exp(-elapsed / tau)))
end
local blocked_until = tonumber(redis.call('HGET', KEYS[2], 'u')) or 0
if blocked_until > now then return {'blocked', blocked_until - now} end
local recent, base = load(KEYS[2])
local all_recent, all_base = load(KEYS[3])
local elapsed = now - since
if elapsed < 1 then elapsed = 1 end
local growth = rate(recent + 1, window, elapsed) / rate(base + 1, baseline, elapsed)
local rest_recent = math.max(0, all_recent - recent)
local rest_base = math.max(0, all_base - base)
local rest_growth = 1
if rest_base >= min_sends and rest_recent > 0 then
  rest_growth = rate(rest_recent, window, elapsed) / rate(rest_base, baseline, elapsed)
end
if recent + 1.5 >= min_sends and growth > factor * math.max(1, rest_growth) then
  store(KEYS[2], recent, base, now + block)
  store(KEYS[3], all_recent, all_base, 0)
  return {'tripped', block}
end
store(KEYS[2], recent + 1, base + 1, 0)
store(KEYS[3], all_recent + 1, all_base + 1, 0)
return {'allowed', 0}
