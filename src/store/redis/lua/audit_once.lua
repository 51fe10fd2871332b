-- A support unlock's audit entry, appended at most once per Idempotency-Key (_retry.lua): the
-- key's entry lives in the brand's slot with the stream and is judged and recorded in the call
-- that appends, so a retry of an unlock whose answer was lost (a Redis timeout after the XADD)
-- writes no second entry.
-- KEYS: audit stream, idempotency entry.
-- ARGV: audit max length, the request's fingerprint, the entry's ttl ms, then the audit entry's
-- fields and values, in order.
-- -> {audit entry id [, 1 (replayed: nothing appended)]} | {"idem_conflict"}: the key's entry
--    is another request's
--!include _retry.lua

local entry, fp = KEYS[2], ARGV[2]
local replay = retry_judge(entry, fp)
if replay then return replay end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 4))
return retry_keep(entry, fp, tonumber(ARGV[3]), {id})
