// The analytics scripts (declared in redis_scripts.hpp). They only add and read what they are
// given: which counters an event adds is core/analytics.cpp's rule.
#include "otpgate/store/redis/redis_scripts.hpp"

namespace otpgate::scripts {

const std::string_view record_event =
    "local ns, ne, nc = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])\n"
    "local xadd = {'XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*'}\n"
    "for i = 12, 11 + ns do xadd[#xadd + 1] = ARGV[i] end\n"
    "local id = redis.call(unpack(xadd))\n"
    // KEYS[k] (k = 2..7) expires at ARGV[k]: its bucket's end plus the granularity's retention.
    // A key this call creates answers 1 to its first HINCRBY, so the expiry is set then (and
    // again whenever a field is new), not on every event.
    "local function bump(first, from, n)\n"
    "  for k = first, first + 2 do\n"
    "    local fresh = false\n"
    "    for j = from, from + n - 1 do\n"
    "      if redis.call('HINCRBY', KEYS[k], ARGV[j], 1) == 1 then fresh = true end\n"
    "    end\n"
    "    if fresh then redis.call('PEXPIREAT', KEYS[k], ARGV[k]) end\n"
    "  end\n"
    "end\n"
    "if ne > 0 then bump(2, 12 + ns, ne) end\n"
    "if nc > 0 then bump(5, 12 + ns + ne, nc) end\n"
    "if ARGV[8] ~= '' then\n"
    "  local start = tonumber(ARGV[8])\n"
    "  for k = 5, 7 do\n"
    "    if (tonumber(redis.call('HGET', KEYS[k], 'c:last')) or 0) < start then\n"
    "      redis.call('HSET', KEYS[k], 'c:last', ARGV[8])\n"
    "      redis.call('PEXPIREAT', KEYS[k], ARGV[k])\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return id\n";

const std::string_view read_buckets =
    "local out = {}\n"
    "for i = 1, #KEYS do\n"
    "  if #ARGV == 0 then\n"
    "    out[i] = redis.call('HGETALL', KEYS[i])\n"
    "  else\n"
    "    out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV))\n"
    "  end\n"
    "end\n"
    "return out\n";

const std::string_view sum_buckets =
    "local sums, order = {}, {}\n"
    "local function add(field, value)\n"
    "  local v = tonumber(value)\n"
    "  if not v then return end\n"
    "  local old = sums[field]\n"
    "  if old == nil then order[#order + 1] = field; old = 0 end\n"
    // c:last is a time, not a count: the newest wins.
    "  if field == 'c:last' then sums[field] = math.max(old, v) else sums[field] = old + v end\n"
    "end\n"
    "for i = 1, #KEYS do\n"
    "  if #ARGV == 0 then\n"
    "    local h = redis.call('HGETALL', KEYS[i])\n"
    "    for j = 1, #h, 2 do add(h[j], h[j + 1]) end\n"
    "  else\n"
    "    local h = redis.call('HMGET', KEYS[i], unpack(ARGV))\n"
    "    for j = 1, #ARGV do if h[j] then add(ARGV[j], h[j]) end end\n"
    "  end\n"
    "end\n"
    "local out = {}\n"
    "for _, field in ipairs(order) do\n"
    "  out[#out + 1] = field\n"
    "  out[#out + 1] = string.format('%.0f', sums[field])\n"
    "end\n"
    "return out\n";

}  // namespace otpgate::scripts
