-- Support's view of a phone, and the unlock. The unlock removes the lock and the failure count
-- in the same call that reads what is left. With an Idempotency-Key (_retry.lua, unlock only)
-- the same call judges the key and records its answer, so a retry of an unlock whose answer
-- was lost replays that answer (whether the phone was locked included) and changes nothing.
-- KEYS: lock, fails, locklvl, recent, [idempotency entry].
-- ARGV: unlock (1/0), [the request's fingerprint, the entry's ttl ms].
-- -> {lock pttl (-2 when absent), fails, lock level, {ids, newest first}, lock pttl before
--    [, 1 (replayed)]} | {"idem_conflict"}: the key's entry is another request's
--!include _retry.lua

local entry, fp = KEYS[5], ARGV[2]
local replay = retry_judge(entry, fp)
if replay then return replay end
local before = redis.call('PTTL', KEYS[1])
if ARGV[1] == '1' then redis.call('DEL', KEYS[1], KEYS[2]) end
local state = {redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[2]) or '0',
               redis.call('GET', KEYS[3]) or '0', redis.call('LRANGE', KEYS[4], 0, -1), before}
return retry_keep(entry, fp, tonumber(ARGV[3]), state)
