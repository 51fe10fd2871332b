-- Reads analytics buckets.
-- KEYS: bucket hashes (one slot). ARGV: fields (none: all) -> one array per key (HGETALL's
-- pairs, or HMGET's values in ARGV order).

local out = {}
for i = 1, #KEYS do
  if #ARGV == 0 then
    out[i] = redis.call('HGETALL', KEYS[i])
  else
    out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV))
  end
end
return out
