-- Shared prelude of the scripts on an existing verification (check, resend, cancel, delivery;
-- cmake/embed_lua.cmake puts it in their place): a constant-time comparison (no early exit on
-- the first differing byte), the guard every transition starts with, and the brand check (a
-- caller's brand, or "*" for any, owns the record; the others answer {"not_found"} and touch
-- nothing).
-- Statuses and field names match VerificationRecord: st status, mac code MAC, ex expires,
-- fin finished, au attempts used, ma max attempts, sn sends, ms max sends, ls last send,
-- cd cooldown, b brand, dst delivery status, gw gateway, mid the gateway's message id, ar the
-- automatic resend (0 off, 1 available, 2 used), lkn/lkw/lkd/lkm the lock policy (failures,
-- window, first lock, longest lock), pb 1 when the code is bound to the order (PSD2 dynamic
-- linking).

local function ct_equal(a, b)
  if type(a) ~= 'string' or #a ~= #b then return false end
  local diff = 0
  for i = 1, #a do diff = bit.bor(diff, bit.bxor(a:byte(i), b:byte(i))) end
  return diff == 0
end
local function guard(r, now)
  local st = redis.call('HGET', r, 'st')
  if st ~= 'pending' then return 'not_pending' end
  if now >= tonumber(redis.call('HGET', r, 'ex')) then
    redis.call('HSET', r, 'st', 'expired', 'fin', now)
    return 'expired'
  end
  return nil
end
local function owned(r, brand)
  local b = redis.call('HGET', r, 'b')
  return b and (brand == '*' or b == brand)
end
