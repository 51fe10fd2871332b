-- Fragment: a create's first send (core/first_send.hpp), for create.lua (a retry's claim) and
-- send_deadline.lua (the deadline). Record fields: st status, dst delivery status, ex expires,
-- sd until when the current claimant (the create, or a retry) may still hand the SMS to a
-- gateway, in ms; sk which request holds that claim (its draft id).
local min_validity_ms = 30000  -- core/verification.hpp: min_resend_validity_ms
local function awaits_first_send(st, dst)
  return st == 'pending' and dst == 'queued'
end
local function fail_unsent(r, now)
  redis.call('HSET', r, 'st', 'send_failed', 'dst', 'failed', 'fin', now)
end
-- A retry's claim on the record's unsent first send: 'settled' (sent or ended), 'in_flight'
-- (a claim runs), 'claimed' (sd moved to now + claim_ms) or 'failed' (too little validity
-- left: send_failed). due_default: the claim's end for a record without sd; holder: the
-- claiming request's draft id.
local function claim_first_send(r, now, claim_ms, due_default, holder)
  local f = redis.call('HMGET', r, 'st', 'dst', 'ex', 'sd')
  if not awaits_first_send(f[1], f[2]) then return 'settled' end
  if now < (tonumber(f[4]) or due_default) then return 'in_flight' end
  if now + min_validity_ms > tonumber(f[3]) then
    fail_unsent(r, now)
    return 'failed'
  end
  redis.call('HSET', r, 'sd', now + claim_ms, 'sk', holder)
  return 'claimed'
end
-- A holder's release of its claim (release_first_send): its request answered without handing
-- the SMS to a gateway, so sd moves to now and the next retry takes the send over at once.
-- -> 1 released | 0 (sent or ended, another request's claim, or already run out)
local function release_first_send(r, now, holder)
  local f = redis.call('HMGET', r, 'st', 'dst', 'sd', 'sk')
  if not awaits_first_send(f[1], f[2]) or f[4] ~= holder then return 0 end
  if (tonumber(f[3]) or 0) <= now then return 0 end
  redis.call('HSET', r, 'sd', now)
  return 1
end
-- The deadline: an unsent first send past sd + window_ms (the retries' window after the last
-- claim) is send_failed. -> 'failed' (this call), 'open' and the deadline (not yet), or
-- 'settled' (sent, ended or gone).
local function apply_send_deadline(r, now, window_ms)
  local f = redis.call('HMGET', r, 'st', 'dst', 'sd')
  if not awaits_first_send(f[1], f[2]) then return 'settled' end
  local deadline = (tonumber(f[3]) or 0) + window_ms
  if now < deadline then return 'open', deadline end
  fail_unsent(r, now)
  return 'failed'
end
