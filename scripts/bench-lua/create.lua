-- wrk script for scripts/bench: POST /v1/verifications, each with a random German mobile
-- number (+49151 and 8 digits, valid for libphonenumber), as the demo shop.
--   BENCH_API_KEY    bearer key (required)
--   BENCH_POOL_FILE  when set, up to BENCH_POOL_SIZE (default 2000) ids of created
--                    verifications are written there, one a line, for check.lua
--   BENCH_PHONES     when set and above 0, the numbers come from a pool of that many
--                    (+4915190 and 6 digits: returning customers, for scripts/bench-signals)
--   BENCH_CUSTOMER   1: each body also carries a customer for KYC Match
-- Prints the count of each response status at the end (to stdout, prefixed "status").

local api_key = os.getenv("BENCH_API_KEY") or error("BENCH_API_KEY is not set")
local pool_file = os.getenv("BENCH_POOL_FILE")
local pool_size = tonumber(os.getenv("BENCH_POOL_SIZE") or "2000")
local phones = tonumber(os.getenv("BENCH_PHONES") or "0")
local customer = os.getenv("BENCH_CUSTOMER") == "1"
  and ',"customer":{"given_name":"Erika","family_name":"Mustermann"}' or ""

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
  table.insert(threads, thread)
end

function init(args)
  -- Per-thread state; done() collects it with thread:get.
  statuses = {}
  ids = {}
  id_count = 0
  math.randomseed(os.time() * 1000 + thread_index)
  headers = {
    ["Authorization"] = "Bearer " .. api_key,
    ["Content-Type"] = "application/json",
  }
end

function request()
  local phone = phones > 0 and string.format("+4915190%06d", math.random(0, phones - 1))
    or string.format("+49151%08d", math.random(0, 99999999))
  return wrk.format("POST", "/v1/verifications", headers,
    '{"phone_number":"' .. phone .. '"' .. customer .. '}')
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if pool_file and status == 201 and id_count < pool_size then
    local id = body:match('"id"%s*:%s*"([^"]+)"')
    if id then
      id_count = id_count + 1
      ids[id_count] = id
    end
  end
end

function done(summary, latency, _requests)
  local totals = {}
  local out = pool_file and io.open(pool_file, "w") or nil
  local written = 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      totals[status] = (totals[status] or 0) + n
    end
    if out then
      for _, id in ipairs(thread:get("ids") or {}) do
        if written < pool_size then
          out:write(id, "\n")
          written = written + 1
        end
      end
    end
  end
  if out then out:close() end
  for status, n in pairs(totals) do io.write(string.format("status %s %d\n", status, n)) end
  io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
