-- Gives back a send claim whose holder will not send: its request answered 503 before any
-- gateway had the SMS (a Redis call timed out), so its retry may take the send over at once
-- instead of waiting out the claim (docs/architecture.md, "A create's faults"). Only the
-- holder's own claim is released; a claim settled, ended or taken over since is left alone.
-- KEYS: the Idempotency-Key's entry, then the record: a create's as the holder drafted it (its
-- prefix names the entry's record, as in create.lua), a resend's as it is.
-- ARGV: create | resend, the request's fingerprint, the holder (a create's draft id, a resend's
-- claim id), now.
-- -> 1 released | 0 nothing to release
--!include _first_send.lua

local holder, now = ARGV[3], tonumber(ARGV[4])
if ARGV[1] == 'create' then
  -- release_first_send, core/first_send.hpp
  local prior = redis.call('HMGET', KEYS[1], 'fp', 'id')
  if prior[1] ~= ARGV[2] then return 0 end
  local r = string.sub(KEYS[2], 1, #KEYS[2] - #holder) .. prior[2]
  return release_first_send(r, now, holder)
end
-- A resend's claim (resend.lua): the entry's due moves to now.
local e = redis.call('HMGET', KEYS[1], 'fp', 'sk', 'due')
if e[1] ~= ARGV[2] or e[2] ~= holder or (tonumber(e[3]) or 0) <= now then return 0 end
redis.call('HSET', KEYS[1], 'due', now)
return 1
