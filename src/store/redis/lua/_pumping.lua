-- SMS pumping: mirrors pumping_admit (core/pumping.cpp) for one brand and destination prefix.
-- Counts are written with %.17g: a double survives the round trip exactly. Times (whole
-- milliseconds) with %d, as _gcra.lua writes them. The keys are the
-- brand's watching-since key, the prefix's hash and the brand's hash of all prefixes (one slot);
-- every call renews their TTL (ttl_ms).

-- The decayed counts of a hash read as HMGET key r b t u, and its blocked-until.
local function pumping_decay(h, now, window, baseline)
  local t = tonumber(h[3]) or now
  local dt = now - t
  if dt < 0 then dt = 0 end
  return (tonumber(h[1]) or 0) * math.exp(-dt / window),
         (tonumber(h[2]) or 0) * math.exp(-dt / baseline), tonumber(h[4]) or 0
end

local function pumping_load(key, now, window, baseline)
  return pumping_decay(redis.call('HMGET', key, 'r', 'b', 't', 'u'), now, window, baseline)
end

-- now_s: now as %d writes it; a blocked_until of 0 is written '0', as %d writes it.
local function pumping_store(key, now_s, recent, base, blocked_until, ttl)
  redis.call('HSET', key, 'r', string.format('%.17g', recent), 'b',
             string.format('%.17g', base), 't', now_s, 'u',
             blocked_until == 0 and '0' or string.format('%d', blocked_until))
  redis.call('PEXPIRE', key, ttl)
end

-- -> "allowed", 0 (the send counted) | "tripped", block_ms | "blocked", remaining_ms
local function pumping_watch(since_key, prefix_key, all_key, now, window, baseline, factor,
                             min_sends, block, ttl)
  local function rate(count, tau, elapsed)
    return count / (tau * (1 - math.exp(-elapsed / tau)))
  end
  -- Read and renewed in one call (GETEX: the stored value stays as it was written); written only
  -- when the watch starts.
  local since = tonumber(redis.call('GETEX', since_key, 'PX', ttl) or '')
  if not since then
    since = now
    redis.call('SET', since_key, string.format('%d', since), 'PX', ttl)
  end
  local h = redis.call('HMGET', prefix_key, 'r', 'b', 't', 'u')
  local blocked_until = tonumber(h[4]) or 0
  if blocked_until > now then return 'blocked', blocked_until - now end
  local recent, base = pumping_decay(h, now, window, baseline)
  local all_recent, all_base = pumping_load(all_key, now, window, baseline)
  local elapsed = now - since
  if elapsed < 1 then elapsed = 1 end
  local growth = rate(recent + 1, window, elapsed) / rate(base + 1, baseline, elapsed)
  local rest_recent = math.max(0, all_recent - recent)
  local rest_base = math.max(0, all_base - base)
  local rest_growth = 1
  if rest_base >= min_sends and rest_recent > 0 then
    rest_growth = rate(rest_recent, window, elapsed) / rate(rest_base, baseline, elapsed)
  end
  local now_s = string.format('%d', now)
  if recent + 1.5 >= min_sends and growth > factor * math.max(1, rest_growth) then
    pumping_store(prefix_key, now_s, recent, base, now + block, ttl)
    pumping_store(all_key, now_s, all_recent, all_base, 0, ttl)
    return 'tripped', block
  end
  pumping_store(prefix_key, now_s, recent + 1, base + 1, 0, ttl)
  pumping_store(all_key, now_s, all_recent + 1, all_base + 1, 0, ttl)
  return 'allowed', 0
end
