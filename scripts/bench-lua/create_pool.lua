-- wrk script for scripts/bench-signals: POST /v1/verifications to numbers drawn from a pool of
-- BENCH_PHONES German mobile numbers (+4915190 and 6 digits), so a number comes back within the
-- operator cache's lifetime as a shop's returning customers do; with BENCH_CUSTOMER=1 each body
-- also carries a customer for KYC Match.
--   BENCH_API_KEY  bearer key (required)
--   BENCH_PHONES   pool size (default 2000; 0: a fresh random number every time)
-- Prints the count of each response status at the end (to stdout, prefixed "status").

local api_key = os.getenv("BENCH_API_KEY") or error("BENCH_API_KEY is not set")
local phones = tonumber(os.getenv("BENCH_PHONES") or "2000")
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
  statuses = {}
  math.randomseed(os.time() * 1000 + thread_index)
  headers = {
    ["Authorization"] = "Bearer " .. api_key,
    ["Content-Type"] = "application/json",
  }
end

function request()
  local n = phones > 0 and math.random(0, phones - 1) or math.random(0, 999999)
  local phone = string.format("+4915190%06d", n)
  return wrk.format("POST", "/v1/verifications", headers,
    '{"phone_number":"' .. phone .. '"' .. customer .. '}')
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
end
