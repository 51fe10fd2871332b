-- The second half of recording a batch of one brand's events. The first is the XADDs before
-- this call in the same MULTI/EXEC (redis_analytics.cpp), which append the events to the brand's
-- stream in order: a stream entry passed through Lua cost Redis about twice what the plain
-- command does. This call bounds the stream and adds the batch's counters to the analytics
-- buckets, once per bucket and field, by the batch's total. It only adds what it is given:
-- which counters an event adds is core/analytics.cpp's rule (increments_for), summed per bucket
-- by core/analytics_batch.cpp (aggregate_increments).
-- KEYS: stream, then the buckets the batch adds to (all on the brand's slot).
-- ARGV: the oldest stream entry kept (ms: the newest event's time minus the retention), the
-- stream's TTL (ms: the retention); then per bucket, in KEYS order: its expiry time (ms), its
-- newest start ("" = none), field count m and m pairs (field, amount)
-- -> the number of buckets

-- Bounded in time as well as length (XADD's MAXLEN ~): entries older than the retention go
-- (whole nodes at a time: '~'), and a brand that falls idle gets no more appends to trim it, so
-- the key expires a retention after its last event, when every entry in it is older than that.
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
-- A bucket expires at its end plus the granularity's retention. A field this call creates
-- answers its own amount to HINCRBY, so the expiry is set then (and whenever c:last moves),
-- not on every batch.
local i = 3
for k = 2, #KEYS do
  local expiry, last, m = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  i = i + 3
  local fresh = false
  for j = i, i + 2 * m - 1, 2 do
    if redis.call('HINCRBY', KEYS[k], ARGV[j], ARGV[j + 1]) == tonumber(ARGV[j + 1]) then
      fresh = true
    end
  end
  i = i + 2 * m
  if last ~= '' and (tonumber(redis.call('HGET', KEYS[k], 'c:last')) or 0) < tonumber(last) then
    redis.call('HSET', KEYS[k], 'c:last', last)
    fresh = true
  end
  if fresh then redis.call('PEXPIREAT', KEYS[k], expiry) end
end
return #KEYS - 1
