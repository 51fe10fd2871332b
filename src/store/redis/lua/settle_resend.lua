-- What became of a claimed resend whose claim is recorded under its Idempotency-Key
-- (_retry.lua), so a retry answers as the request did, not as its claim: taken_back (the
-- brand's limits refused it; undo_resend.lua took it back) removes the entry, so a retry is
-- judged anew; send_failed (every gateway refused it) makes a retry answer send_failed (502).
-- KEYS: the idempotency entry. ARGV: the request's fingerprint, taken_back | send_failed.
-- -> 1: the entry of that request's claim was changed | 0: no such entry
local prior = redis.call('HMGET', KEYS[1], 'fp', 'out')
if prior[1] ~= ARGV[1] then return 0 end
local out = cjson.decode(prior[2])
if out[1] ~= 'sent' then return 0 end
if ARGV[2] == 'taken_back' then
  redis.call('DEL', KEYS[1])
else
  out[1] = 'send_failed'
  redis.call('HSET', KEYS[1], 'out', cjson.encode(out))
end
return 1
