-- A batch of one brand's events: each appended to the brand's stream in order, and their
-- counters added to the analytics buckets once per bucket and field, by the batch's total. It
-- only adds what it is given: which counters an event adds is core/analytics.cpp's rule
-- (increments_for), summed per bucket by core/analytics_batch.cpp (aggregate_increments).
-- KEYS: stream, then the buckets the batch adds to (all on the brand's slot).
-- ARGV: stream max length, the oldest stream entry kept (ms: the newest event's time minus the
-- retention), the stream's TTL (ms: the retention), event count n; then per event: its stream
-- argument count s and the s arguments (field value ...); then per bucket, in KEYS order: its
-- expiry time (ms), its newest start ("" = none), field count m and m pairs (field, amount)
-- -> n

local i = 5
for _ = 1, tonumber(ARGV[4]) do
  local s = tonumber(ARGV[i])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 1, i + s))
  i = i + 1 + s
end
-- Bounded in time as well as length: entries older than the retention go (whole nodes at a
-- time: '~'), and a brand that falls idle gets no more appends to trim it, so the key expires
-- a retention after its last event, when every entry in it is older than that.
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
-- A bucket expires at its end plus the granularity's retention. A field this call creates
-- answers its own amount to HINCRBY, so the expiry is set then (and whenever c:last moves),
-- not on every batch.
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
return tonumber(ARGV[4])
