-- Sums analytics buckets.
-- KEYS: bucket hashes (one slot). ARGV: fields (none: all) -> the fields' sums over the keys as
-- pairs (field, value; c:last the largest): for buckets whose sum is all a query needs.

local sums, order = {}, {}
local function add(field, value)
  local v = tonumber(value)
  if not v then return end
  local old = sums[field]
  if old == nil then order[#order + 1] = field; old = 0 end
  -- c:last is a time, not a count: the newest wins.
  if field == 'c:last' then sums[field] = math.max(old, v) else sums[field] = old + v end
end
for i = 1, #KEYS do
  if #ARGV == 0 then
    local h = redis.call('HGETALL', KEYS[i])
    for j = 1, #h, 2 do add(h[j], h[j + 1]) end
  else
    local h = redis.call('HMGET', KEYS[i], unpack(ARGV))
    for j = 1, #ARGV do if h[j] then add(ARGV[j], h[j]) end end
  end
end
local out = {}
for _, field in ipairs(order) do
  out[#out + 1] = field
  out[#out + 1] = string.format('%.0f', sums[field])
end
return out
