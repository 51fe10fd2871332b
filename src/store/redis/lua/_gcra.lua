-- GCRA over the keys of one slot, all or nothing: mirrors gcra_admit (core/rate_limit.cpp).
-- Numbers are written with %.0f: tostring would use %.14g, enough for a millisecond epoch but
-- not guaranteed for every value. `rates` is a list of {key, interval_ms, burst}.

-- The new TAT of every key when all admit (nil, and the longest wait among the keys that deny,
-- when one denies). Writes nothing.
local function gcra_verdict(rates, now)
  local tats = {}
  local retry = 0
  for i, r in ipairs(rates) do
    local interval, burst = r[2], r[3]
    local tolerance = (burst - 1) * interval
    local tat = tonumber(redis.call('GET', r[1]) or now) or now
    if tat < now then tat = now end
    if tat > now + burst * interval then tat = now + burst * interval end
    if tat - now > tolerance then
      local wait = tat - tolerance - now
      if wait > retry then retry = wait end
    end
    tats[i] = tat + interval
  end
  if retry > 0 then return nil, retry end
  return tats, 0
end

-- Stores the TATs gcra_verdict admitted, each key with a TTL until its TAT.
local function gcra_commit(rates, tats, now)
  for i, r in ipairs(rates) do
    redis.call('SET', r[1], string.format('%.0f', tats[i]), 'PX',
               string.format('%.0f', tats[i] - now))
  end
end

-- Gives back the token an admitted request took (the request then did not happen).
local function gcra_refund(rates, now)
  for _, r in ipairs(rates) do
    local tat = tonumber(redis.call('GET', r[1]) or '')
    if tat then
      local back = tat - r[2]
      if back <= now then
        redis.call('DEL', r[1])
      else
        redis.call('SET', r[1], string.format('%.0f', back), 'PX', string.format('%.0f', back - now))
      end
    end
  end
end

-- {key, interval, burst} for KEYS[first_key ...] and ARGV[first_arg ...] (interval, burst pairs).
local function gcra_rates(first_key, count, first_arg)
  local rates = {}
  for i = 0, count - 1 do
    rates[#rates + 1] = {KEYS[first_key + i], tonumber(ARGV[first_arg + 2 * i]),
                         tonumber(ARGV[first_arg + 2 * i + 1])}
  end
  return rates
end
