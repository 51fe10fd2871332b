-- Saves a brand manager's template change: text, version, history entry, audit entry and the
-- brand's change counter in one call, when the expected version is current.
-- With an Idempotency-Key (_retry.lua) its entry is judged first, so a retry of a save whose
-- answer was lost replays that save's version instead of failing its own stale If-Match; only a
-- save is recorded (a stale version changed nothing: a retry is judged anew).
-- KEYS: templates hash, versions list, audit stream, [idempotency entry].
-- ARGV: locale, expected version ("*" for any), has text ("1"/"0"), text, action, from version,
-- actor, now ms, versions kept, audit max length, [the request's fingerprint, the entry's ttl ms].
-- -> {1, new version [, 1 (replayed)]} | {0, current version} when the expected version is
--    stale | {"idem_conflict"}: the key's entry is another request's
--!include _retry.lua

-- (The history entry below is `entry`.)
local idem, fp = KEYS[4], ARGV[11]
local replay = retry_judge(idem, fp)
if replay then return replay end
local locale = ARGV[1]
local current = tonumber(redis.call('HGET', KEYS[1], 'ver:' .. locale) or '0')
if ARGV[2] ~= '*' and tonumber(ARGV[2]) ~= current then return {0, current} end
local version = current + 1
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'txt:' .. locale, ARGV[4])
else
  redis.call('HDEL', KEYS[1], 'txt:' .. locale)
end
redis.call('HSET', KEYS[1], 'ver:' .. locale, version)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
local entry = {version = version, action = ARGV[5], from_version = tonumber(ARGV[6]),
               actor = ARGV[7], at = ARGV[8]}
if ARGV[3] == '1' then entry.text = ARGV[4] end
redis.call('LPUSH', KEYS[2], cjson.encode(entry))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[9]) - 1)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'action', 'template.' .. ARGV[5],
           'actor', ARGV[7], 'target', 'templates/' .. locale, 'old_version', current,
           'new_version', version, 'at', ARGV[8])
return retry_keep(idem, fp, tonumber(ARGV[12]), {1, version})
