-- An event: appended to the brand's stream and added to its analytics buckets in one call. It
-- only adds what it is given: which counters an event adds is core/analytics.cpp's rule
-- (increments_for).
-- KEYS: stream, the event time's minute/hour/day buckets, the start time's minute/hour/day
-- buckets (all on the brand's slot). ARGV: stream max length, the six buckets' expiry times (ms,
-- in KEYS order), start time for c:last ("" = not a start), the oldest stream entry kept (ms:
-- the event's time minus the retention), the stream's TTL (ms: the retention), stream argument
-- count ns, event field count ne, start field count nc, then the ns stream arguments (field
-- value ...), the ne fields and the nc fields (each +1 in its three buckets) -> the stream
-- entry's id

local ns, ne, nc = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local xadd = {'XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*'}
for i = 14, 13 + ns do xadd[#xadd + 1] = ARGV[i] end
local id = redis.call(unpack(xadd))
-- Bounded in time as well as length: entries older than the retention go (whole nodes at a
-- time: '~'), and a brand that falls idle gets no more appends to trim it, so the key expires
-- a retention after its last event, when every entry in it is older than that.
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[10])
-- KEYS[k] (k = 2..7) expires at ARGV[k]: its bucket's end plus the granularity's retention.
-- A key this call creates answers 1 to its first HINCRBY, so the expiry is set then (and
-- again whenever a field is new), not on every event.
local function bump(first, from, n)
  for k = first, first + 2 do
    local fresh = false
    for j = from, from + n - 1 do
      if redis.call('HINCRBY', KEYS[k], ARGV[j], 1) == 1 then fresh = true end
    end
    if fresh then redis.call('PEXPIREAT', KEYS[k], ARGV[k]) end
  end
end
if ne > 0 then bump(2, 14 + ns, ne) end
if nc > 0 then bump(5, 14 + ns + ne, nc) end
if ARGV[8] ~= '' then
  local start = tonumber(ARGV[8])
  for k = 5, 7 do
    if (tonumber(redis.call('HGET', KEYS[k], 'c:last')) or 0) < start then
      redis.call('HSET', KEYS[k], 'c:last', ARGV[8])
      redis.call('PEXPIREAT', KEYS[k], ARGV[k])
    end
  end
end
return id
