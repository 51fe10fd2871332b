-- Support's view of a phone, and the unlock. The unlock removes the lock and the failure count
-- in the same call that reads what is left.
-- KEYS: lock, fails, locklvl, recent. ARGV: unlock (1/0).
-- -> {lock pttl (-2 when absent), fails, lock level, {ids, newest first}, lock pttl before}

local before = redis.call('PTTL', KEYS[1])
if ARGV[1] == '1' then redis.call('DEL', KEYS[1], KEYS[2]) end
return {redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[2]) or '0',
        redis.call('GET', KEYS[3]) or '0', redis.call('LRANGE', KEYS[4], 0, -1), before}
