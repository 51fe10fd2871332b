-- An action's Idempotency-Key (core/idempotency.hpp judge_retry; docs/api.md, "Retries"): its
-- entry, in the verification's slot, holds the request's fingerprint and the reply the action
-- answered (as JSON), and lives as long as the verification's record. Both are judged and
-- written in the call that performs the action, so a request whose reply was lost (a Redis
-- timeout) is answered as it was performed, however often it is retried.
-- retry_judge(entry, fp): nil: perform the action (no key, or no entry yet); else the reply:
-- the recorded one with a fourth element 1 (replayed), or {"idem_conflict"}.
local function retry_judge(entry, fp)
  if not entry then return nil end
  local prior = redis.call('HMGET', entry, 'fp', 'out')
  if not prior[1] then return nil end
  if prior[1] ~= fp then return {'idem_conflict'} end
  local out = cjson.decode(prior[2])
  out[4] = 1
  return out
end
-- Records reply as the entry's outcome (without a key: nothing) and returns it.
local function retry_record(entry, fp, r, reply)
  if entry then
    local ttl = redis.call('PTTL', r)
    if ttl < 1 then ttl = 86400000 end
    redis.call('HSET', entry, 'fp', fp, 'out', cjson.encode(reply))
    redis.call('PEXPIRE', entry, ttl)
  end
  return reply
end
