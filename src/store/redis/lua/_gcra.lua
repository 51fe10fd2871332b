-- GCRA over the keys of one slot, all or nothing: mirrors gcra_admit (core/rate_limit.cpp).
-- Times are whole milliseconds, written with %d: Lua 5.1 formats it through a C long (64 bits
-- here), exact where tostring's %.14g is not guaranteed, and the same digits as %.0f without
-- printf's floating-point path (%.0f cost Redis several times more per number). The rates' keys are consecutive KEYS[first_key ...], their
-- interval_ms and burst consecutive ARGV (one pair per rate, `stride` ARGV apart).

-- The stored TATs of KEYS[first_key ...] (count keys; false where none), in one MGET.
local function gcra_read(first_key, count)
  if count < 1 then return {} end
  return redis.call('MGET', unpack(KEYS, first_key, first_key + count - 1))
end

-- One key's step on its stored TAT: its new TAT when it admits (nil, and its wait, when not).
local function gcra_step(interval, burst, stored, now)
  local tolerance = (burst - 1) * interval
  local tat = tonumber(stored or now) or now
  if tat < now then tat = now end
  if tat > now + burst * interval then tat = now + burst * interval end
  if tat - now > tolerance then return nil, tat - tolerance - now end
  return tat + interval
end

-- The new TAT of every key when all admit (nil, and the longest wait among the keys that deny,
-- when one denies). Writes nothing. The rate i's interval and burst: ARGV[first_arg + stride *
-- (i - 1)] and the one after it.
local function gcra_verdict(first_key, count, first_arg, stride, now)
  local stored = gcra_read(first_key, count)
  local tats = {}
  local retry = 0
  for i = 1, count do
    local a = first_arg + stride * (i - 1)
    local tat, wait = gcra_step(tonumber(ARGV[a]), tonumber(ARGV[a + 1]), stored[i], now)
    if tat then
      tats[i] = tat
    elseif wait > retry then
      retry = wait
    end
  end
  if retry > 0 then return nil, retry end
  return tats, 0
end

-- Stores the TATs gcra_verdict admitted (KEYS[first_key ...]), each key with a TTL until its TAT.
local function gcra_commit(first_key, tats, now)
  for i = 1, #tats do
    local tat = tats[i]
    redis.call('SET', KEYS[first_key + i - 1], string.format('%d', tat), 'PX',
               string.format('%d', tat - now))
  end
end

-- Gives back the token an admitted request took (the request then did not happen). `rates` is a
-- list of {key, interval_ms}.
local function gcra_refund(rates, now)
  for _, r in ipairs(rates) do
    local tat = tonumber(redis.call('GET', r[1]) or '')
    if tat then
      local back = tat - r[2]
      if back <= now then
        redis.call('DEL', r[1])
      else
        redis.call('SET', r[1], string.format('%d', back), 'PX', string.format('%d', back - now))
      end
    end
  end
end
