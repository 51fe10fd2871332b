-- A claimed resend taken back (the brand's limits refused it; undo_resend.lua gave back what it
-- counted): its request's entry under the Idempotency-Key (resend.lua) is removed, so a retry
-- is judged anew and not answered with a claim nothing will send. A claim sent or failed is
-- settled by delivery.lua instead.
-- KEYS: the idempotency entry. ARGV: the request's fingerprint, its claim id.
-- -> 1: the entry of that request's claim was removed | 0: no such claim (another request's,
--    taken over by a retry, or settled)
local prior = redis.call('HMGET', KEYS[1], 'fp', 'sk')
if prior[1] ~= ARGV[1] or prior[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
