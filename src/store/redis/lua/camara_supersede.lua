-- CAMARA send-code: the stored and sent verification (KEYS[2]) becomes the phone's newest
-- CAMARA verification of its brand (KEYS[1] holds that id), and the one it supersedes expires
-- now. Mirrors decide_supersede and retired_expiry (core/camara_otp.hpp) step for step.
-- KEYS: the phone's newest-CAMARA key, the newer record. ARGV: the newer id, now, the record
-- key of an id without the id (the phone's prefix "otp:{tag}:v:": the earlier record shares the
-- hash tag and so the slot of both KEYS; its id is known only once KEYS[1] is read).
-- -> {retired, newer_is_latest}: retired "" (none), "latest" or "newer".

local latest_key, newer_key = KEYS[1], KEYS[2]
local newer_id, now = ARGV[1], tonumber(ARGV[2])
-- A verification's fields as the rule reads them: status, created, expires.
local function state(key)
  local v = redis.call('HMGET', key, 'st', 'cr', 'ex')
  if not v[1] then return nil end
  return {st = v[1], cr = tonumber(v[2]), ex = tonumber(v[3])}
end
-- retired_expiry: a pending, unexpired verification expires now.
local function retire(key, s)
  if s.st == 'pending' and s.ex > now then redis.call('HSET', key, 'ex', now) end
end
local newer = state(newer_key)
if not newer then return redis.error_reply('camara_supersede: the newer record is missing') end
local latest_id = redis.call('GET', latest_key)
local latest_record = latest_id and latest_id ~= newer_id and (ARGV[3] .. latest_id)
local latest = latest_record and state(latest_record)
local retired = ''
if latest and latest.cr > newer.cr then
  retire(newer_key, newer)
  return {'newer', 0}
end
if latest then
  retire(latest_record, latest)
  retired = 'latest'
end
-- The key lives as long as the newest can be checked: an expired one supersedes nothing.
redis.call('SET', latest_key, newer_id, 'PX', math.max(1, newer.ex - now))
return {retired, 1}
