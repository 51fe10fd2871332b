-- wrk script for scripts/bench: POST /v1/verifications/{id}/check with a wrong code,
-- cycling over a pool of verification ids (one a line in BENCH_POOL_FILE), as the demo shop.
-- Once a verification's attempts are used up it answers 409 VERIFICATION_NOT_PENDING (and a
-- phone past the brand's failure threshold is locked: 403/429); those requests still cost
-- one HTTP exchange and one EVALSHA of the check script, which is what this measures.
--   BENCH_API_KEY, BENCH_POOL_FILE (required); BENCH_CODE (default 000000)
-- Prints the count of each response status at the end (to stdout, prefixed "status").

local api_key = os.getenv("BENCH_API_KEY") or error("BENCH_API_KEY is not set")
local pool_file = os.getenv("BENCH_POOL_FILE") or error("BENCH_POOL_FILE is not set")
local code = os.getenv("BENCH_CODE") or "000000"

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  requests = {}
  local headers = {
    ["Authorization"] = "Bearer " .. api_key,
    ["Content-Type"] = "application/json",
  }
  local body = '{"code":"' .. code .. '"}'
  for id in io.lines(pool_file) do
    if id ~= "" then
      requests[#requests + 1] =
        wrk.format("POST", "/v1/verifications/" .. id .. "/check", headers, body)
    end
  end
  if #requests == 0 then error("no ids in " .. pool_file) end
  -- Threads start at different places in the pool so they do not walk in lockstep.
  next_index = ((thread_index - 1) * 7919) % #requests
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, _requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  for status, n in pairs(totals) do io.write(string.format("status %s %d\n", status, n)) end
  io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
