-- Records the outcome of a send: apply_send_outcome (core/verification_delivery.hpp).
-- KEYS: record, and for a send claimed under an Idempotency-Key its entry: a create's first
-- send's is marked answered (retries replay the verification from now on); a resend's claim
-- (resend.lua), when this send's request still holds it, is settled as sent or send_failed
-- (retries replay that).
-- ARGV: brand (or "*"), now, gateway, accepted (1/0), first_send (1/0), message_id, the
-- resend's claim id ("" for a create), then the names of the fields to answer (none: all)
-- -> {"not_found"} | {"ok", 0, fields...} (field, value, ... of the whole record) |
--    {"ok", 0, values...} (HMGET of the named fields: a caller that holds the rest, which only a
--    create writes; the whole record through Lua cost Redis about 6.5 µs per call)

--!include _prelude.lua
local r = KEYS[1]
if not owned(r, ARGV[1]) then return {'not_found'} end
local accepted = ARGV[4] == '1'
local function answer()
  if #ARGV > 7 then return {'ok', 0, redis.call('HMGET', r, unpack(ARGV, 8))} end
  return {'ok', 0, redis.call('HGETALL', r)}
end
if KEYS[2] and (ARGV[7] or '') ~= '' then
  local e = redis.call('HMGET', KEYS[2], 'sk', 'out')
  if e[1] == ARGV[7] then
    local out = cjson.decode(e[2])
    out[1] = accepted and 'sent' or 'send_failed'
    redis.call('HSET', KEYS[2], 'out', cjson.encode(out))
    redis.call('HDEL', KEYS[2], 'sk', 'due')
  end
elseif KEYS[2] and redis.call('HGET', KEYS[2], 'id') == redis.call('HGET', r, 'id') then
  redis.call('HSET', KEYS[2], 'done', '1')
end
-- A failed resend (by the customer or automatic) leaves the earlier send's state alone: that
-- SMS may still arrive, and its delivery report must still match.
if not accepted and ARGV[5] ~= '1' then return answer() end
redis.call('HSET', r, 'gw', ARGV[3], 'dst', accepted and 'accepted' or 'failed', 'mid',
           ARGV[6])
if not accepted and ARGV[5] == '1' and redis.call('HGET', r, 'st') == 'pending' then
  redis.call('HSET', r, 'st', 'send_failed', 'fin', ARGV[2])
end
return answer()
