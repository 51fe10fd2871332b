-- The records the phone's index names, for support's view.
-- KEYS: the records. ARGV: brand.
-- -> one entry per key: {st, cr, dst, sn, ex}, or nil for a record that expired or is not the
-- brand's. Never the phone number ("p").

local out = {}
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'b', 'st', 'cr', 'dst', 'sn', 'ex')
  if v[1] == ARGV[1] and v[2] then
    out[i] = {v[2], v[3] or '0', v[4] or '', v[5] or '0', v[6] or '0'}
  else
    out[i] = false
  end
end
return out
