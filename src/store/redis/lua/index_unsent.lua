-- Notes a create before its script runs: the index of first sends that may be left unsent
-- (a sorted set, one key, scored by the send's deadline), read by the sweep that ends overdue
-- ones (send_deadline.lua). Written first, since a timeout cannot tell whether the create ran.
-- KEYS: the index. ARGV: deadline_ms, id, ttl_ms (kept at least that long)
-- -> 1
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
