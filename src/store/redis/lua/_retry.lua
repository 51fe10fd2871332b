-- An action's Idempotency-Key (core/idempotency.hpp judge_retry; docs/api.md, "Retries"): its
-- entry, in the slot of what the action changes, holds the request's fingerprint and the reply
-- the action answered (as JSON). Both are judged and written in the call that performs the
-- action, so a request whose reply was lost (a Redis timeout) is answered as it was performed,
-- however often it is retried.
-- retry_judge(entry, fp): nil: perform the action (no key, or no entry yet); else the reply:
-- the recorded one with one more element, 1 (replayed), or {"idem_conflict"}.
local function retry_judge(entry, fp)
  if not entry then return nil end
  local prior = redis.call('HMGET', entry, 'fp', 'out')
  if not prior[1] then return nil end
  if prior[1] ~= fp then return {'idem_conflict'} end
  local out = cjson.decode(prior[2])
  out[#out + 1] = 1
  return out
end
-- Records reply as the entry's outcome for ttl ms (without a key: nothing) and returns it.
local function retry_keep(entry, fp, ttl, reply)
  if entry then
    redis.call('HSET', entry, 'fp', fp, 'out', cjson.encode(reply))
    redis.call('PEXPIRE', entry, ttl)
  end
  return reply
end
-- As retry_keep, for as long as the record r lives (a day when it has no expiry).
local function retry_record(entry, fp, r, reply)
  local ttl = redis.call('PTTL', r)
  if ttl < 1 then ttl = 86400000 end
  return retry_keep(entry, fp, ttl, reply)
end
