-- Shared prelude of the scripts on an existing verification (check, resend, cancel, delivery;
-- cmake/embed_lua.cmake puts it in their place): the comparison of code MACs, the guard every
-- transition starts with, and the brand check (a caller's brand, or "*" for any, owns the
-- record; the others answer {"not_found"} and touch nothing).
-- Statuses and field names match VerificationRecord: st status, mac code MAC, ex expires,
-- fin finished, au attempts used, ma max attempts, sn sends, ms max sends, ls last send,
-- cd cooldown, b brand, dst delivery status, gw gateway, mid the gateway's message id, ar the
-- automatic resend (0 off, 1 available, 2 used), lkn/lkw/lkd/lkm the lock policy (failures,
-- window, first lock, longest lock), pb 1 when the code is bound to the order (PSD2 dynamic
-- linking).

-- Both sides are HMACs under otpgate's secret key (the stored code MAC, the typed code's MAC):
-- a caller never chooses the bytes compared, so how long a comparison takes tells them nothing
-- they could use to steer the next guess. Lua's == (interned strings: one pointer comparison)
-- is then as safe as a byte-by-byte constant-time loop, at a fraction of its cost.
local function mac_equal(stored, presented)
  return type(stored) == 'string' and stored == presented
end
-- The guard on fields already read (st, ex): nil while pending, else the status to answer.
local function guard_read(r, st, ex, now)
  if st ~= 'pending' then return 'not_pending' end
  if now >= tonumber(ex) then
    redis.call('HSET', r, 'st', 'expired', 'fin', now)
    return 'expired'
  end
  return nil
end
local function owned_by(b, brand)
  return b and (brand == '*' or b == brand)
end
local function guard(r, now)
  local f = redis.call('HMGET', r, 'st', 'ex')
  return guard_read(r, f[1], f[2], now)
end
local function owned(r, brand)
  return owned_by(redis.call('HGET', r, 'b'), brand)
end
