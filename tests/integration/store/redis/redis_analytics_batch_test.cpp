// Events appended in batches (record_events.lua, RedisEventSink) against a real redis-server: a
// batch writes exactly what its events appended one by one did before batching (the per-event
// script of 97a5ea2, kept below as the yardstick): the same stream entries in the same order,
// the same bucket counters and the same expiry times, for a mix of event types, brands and
// times, through one call or split by the batch cap; and a sink that goes away with its loop
// stopped leaves nothing behind that runs.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/store/redis/redis_analytics.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"

#include "support/connected_redis.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace otpgate;
using namespace std::chrono_literals;
namespace an = otpgate::analytics;
using redis::Reply;

// The per-event append before batching: record_event.lua, one call per event.
constexpr std::string_view per_event_script = R"lua(
local ns, ne, nc = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local xadd = {'XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*'}
for i = 14, 13 + ns do xadd[#xadd + 1] = ARGV[i] end
local id = redis.call(unpack(xadd))
-- Bounded in time as well as length: entries older than the retention go (whole nodes at a
-- time: '~'), and a brand that falls idle gets no more appends to trim it, so the key expires
-- a retention after its last event, when every entry in it is older than that.
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[10])
-- KEYS[k] (k = 2..7) expires at ARGV[k]: its bucket's end plus the granularity's retention.
-- A key this call creates answers 1 to its first HINCRBY, so the expiry is set then (and
-- again whenever a field is new), not on every event.
local function bump(first, from, n)
  for k = first, first + 2 do
    local fresh = false
    for j = from, from + n - 1 do
      if redis.call('HINCRBY', KEYS[k], ARGV[j], 1) == 1 then fresh = true end
    end
    if fresh then redis.call('PEXPIREAT', KEYS[k], ARGV[k]) end
  end
end
if ne > 0 then bump(2, 14 + ns, ne) end
if nc > 0 then bump(5, 14 + ns + ne, nc) end
if ARGV[8] ~= '' then
  local start = tonumber(ARGV[8])
  for k = 5, 7 do
    if (tonumber(redis.call('HGET', KEYS[k], 'c:last')) or 0) < start then
      redis.call('HSET', KEYS[k], 'c:last', ARGV[8])
      redis.call('PEXPIREAT', KEYS[k], ARGV[k])
    end
  end
end
return id
)lua";

// Its arguments, as record_event_call built them.
std::vector<std::string> per_event_eval(const Event& e, const StreamBounds& bounds) {
  const an::Increments inc = an::increments_for(e);
  std::vector<std::string> keys = {AnalyticsKeys::events(e.brand)};
  std::vector<std::string> args = {std::to_string(bounds.max_len)};
  const std::int64_t started = e.started_ms > 0 ? e.started_ms : e.at_ms;
  for (std::int64_t t : {e.at_ms, started}) {
    for (an::Granularity g : an::all_granularities) {
      const std::int64_t start = an::bucket_floor(t, g);
      keys.push_back(AnalyticsKeys::bucket(e.brand, g, start));
      args.push_back(std::to_string(start + an::info(g).bucket_ms + an::info(g).retention_ms));
    }
  }
  args.push_back(inc.marks_start ? std::to_string(started) : std::string());
  const std::int64_t retention_ms = bounds.retention.count();
  args.push_back(std::to_string(std::max<std::int64_t>(0, e.at_ms - retention_ms)));
  args.push_back(std::to_string(retention_ms));
  const auto fields = event_fields(e);
  args.push_back(std::to_string(2 * fields.size()));
  args.push_back(std::to_string(inc.by_event_time.size()));
  args.push_back(std::to_string(inc.by_start_time.size()));
  for (const auto& [k, v] : fields) {
    args.push_back(k);
    args.push_back(v);
  }
  args.insert(args.end(), inc.by_event_time.begin(), inc.by_event_time.end());
  args.insert(args.end(), inc.by_start_time.begin(), inc.by_start_time.end());
  std::vector<std::string> cmd = {"EVAL", std::string(per_event_script),
                                  std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a brand's analytics keys hold, named without the brand: the stream's entries (fields
// and values, the brand's own value blanked) in order, and every bucket with its fields and
// expiry time.
struct Written {
  std::vector<std::vector<std::string>> entries;
  std::map<std::string, std::map<std::string, std::string>> buckets;
  std::map<std::string, long long> expire_at;
  bool operator==(const Written&) const = default;
};

const StreamBounds bounds(100'000, 48h);

struct BatchFixture : test::ConnectedRedis {
  Reply run(const std::vector<std::string>& cmd) {
    auto r = test::run_sync(ioc, conn.command(cmd));
    REQUIRE(r.has_value());
    REQUIRE(!r.value().is_error());
    return r.value();
  }
  void one_by_one(const std::vector<Event>& events) {
    for (const Event& e : events) run(per_event_eval(e, bounds));
  }
  void as_batch(const std::vector<Event>& events) {
    const RecordEventsCall call = record_events_call(events, bounds);
    auto r = test::run_sync(
        ioc, conn.eval(scripts::cached(scripts::record_events), call.keys, call.args));
    REQUIRE(r.has_value());
    REQUIRE(!r.value().is_error());
  }
  Written written(const std::string& brand) {
    Written w;
    for (const Reply& entry : run({"XRANGE", AnalyticsKeys::events(brand), "-", "+"}).elements) {
      std::vector<std::string> fields;
      for (const Reply& f : entry.elements.at(1).elements)
        fields.push_back(f.str == brand ? "<brand>" : f.str);
      w.entries.push_back(fields);
    }
    const std::string prefix = "otp:{brand:" + brand + "}:st:";
    for (const Reply& key : run({"KEYS", prefix + "*"}).elements) {
      const std::string name = key.str.substr(prefix.size());
      const auto pairs = run({"HGETALL", key.str}).elements;
      for (std::size_t i = 0; i + 1 < pairs.size(); i += 2)
        w.buckets[name][pairs[i].str] = pairs[i + 1].str;
      w.expire_at[name] = run({"PEXPIRETIME", key.str}).integer;
    }
    return w;
  }
};

// One verification's life, every event type that counts and some that do not: its start
// `started`, its events `at` and later.
void add_verification(std::vector<Event>& out, const std::string& brand, const std::string& id,
                      std::int64_t started, std::int64_t at, int variant) {
  const auto ev = [&](EventType type, std::int64_t t) {
    return Event{.type = type,
                 .brand = brand,
                 .verification_id = id,
                 .phone_masked = "+49151****567",
                 .country = variant % 2 ? "AT" : "DE",
                 .gateway = variant % 3 ? "tw" : "vonage",
                 .attempt = 1 + variant % 3,
                 .send = 1,
                 .at_ms = t,
                 .locale = "de",
                 .prefix = "+49151",
                 .purpose = variant == 5 ? "support_call" : "",
                 .started_ms = started};
  };
  out.push_back(ev(EventType::created, started));
  out.push_back(ev(EventType::sent, at));
  Event report = ev(variant % 4 ? EventType::delivered : EventType::undelivered, at + 900);
  report.first_delivery = true;
  report.latency_ms = 900 + 3'000 * variant;
  out.push_back(report);
  out.push_back(ev(EventType::checked_wrong, at + 20'000));
  Event resend_failure = ev(EventType::send_failed, at + 25'000);
  resend_failure.reason = variant % 2 ? "" : "ended";
  out.push_back(resend_failure);
  const EventType end[] = {EventType::approved,      EventType::failed, EventType::cancelled,
                           EventType::checked_right, EventType::resent, EventType::locked};
  out.push_back(ev(end[variant % 6], at + 40'000 + variant * 7'000));
}

// Events of brand over the last two days' buckets: verifications started 26 h, 2 h, minutes and
// seconds ago (their later events now), limits and refusals without a verification.
std::vector<Event> mixed(const std::string& brand, std::int64_t now) {
  std::vector<Event> out;
  const std::int64_t starts[] = {now - 26 * 3'600'000LL, now - 2 * 3'600'000LL, now - 185'000,
                                 now - 61'000,           now - 5'000,           now - 4'000};
  for (int i = 0; i < 6; ++i)
    add_verification(out, brand, "vf_" + std::to_string(i), starts[i], now - 60'000 + i * 10, i);
  out.push_back(
      Event{.type = EventType::rate_limited, .brand = brand, .at_ms = now - 1'000, .limit = "ip"});
  out.push_back(
      Event{.type = EventType::refused, .brand = brand, .at_ms = now - 900, .reason = "line_type"});
  out.push_back(Event{
      .type = EventType::prefix_blocked, .brand = brand, .at_ms = now - 800, .prefix = "+49151"});
  // A minute bucket with these alone: each of its fields is new and grows by 3 in one batch
  // (its expiry is still set).
  for (int i = 0; i < 3; ++i)
    out.push_back(Event{.type = EventType::rate_limited,
                        .brand = brand,
                        .at_ms = now - 600'000 + i,
                        .limit = "phone"});
  return out;
}

// The log lines (stderr) written while it lives, parsed; its text once it is gone.
class LoggedLines {
 public:
  LoggedLines() : fd_(::mkstemp(path_)), saved_(::dup(STDERR_FILENO)) {
    REQUIRE(fd_ >= 0);
    ::dup2(fd_, STDERR_FILENO);
  }
  ~LoggedLines() {
    restore();
    ::unlink(path_);
  }
  LoggedLines(const LoggedLines&) = delete;
  LoggedLines& operator=(const LoggedLines&) = delete;
  // The lines whose msg is `msg`, with stderr given back.
  std::vector<nlohmann::json> with_msg(const std::string& msg) {
    restore();
    std::ifstream in(path_);
    std::vector<nlohmann::json> out;
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("msg", "") == msg) out.push_back(j);
    }
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(fd_);
    saved_ = -1;
  }
  char path_[32] = "/tmp/otpgate-ev-log-XXXXXX";
  int fd_;
  int saved_;
};

std::vector<Event> of_brand(std::vector<Event> events, const std::string& brand) {
  for (Event& e : events) e.brand = brand;
  return events;
}

}  // namespace

TEST_CASE("a batch writes the entries, counters and expiry times its events one by one did",
          "[integration][analytics][batch]") {
  BatchFixture f;
  const std::int64_t now = wall_clock_ms();
  const std::string single = test::unique_brand_now("one-by-one");
  const std::string batched = test::unique_brand_now("batched");
  const std::vector<Event> events = mixed(single, now);
  REQUIRE(events.size() == 42);
  f.one_by_one(events);
  f.as_batch(of_brand(events, batched));
  const Written expected = f.written(single);
  const Written got = f.written(batched);
  CHECK(expected.entries.size() == events.size());
  CHECK(expected.buckets.size() >= 9);  // 4+ minutes, 3+ hours, 2+ days
  CHECK(got.entries == expected.entries);
  CHECK(got.buckets == expected.buckets);
  CHECK(got.expire_at == expected.expire_at);
  for (const auto& [name, at] : got.expire_at) CHECK(at > now);
}

TEST_CASE("a batch adds to counters that earlier events wrote", "[integration][analytics][batch]") {
  BatchFixture f;
  const std::int64_t now = wall_clock_ms();
  const std::string single = test::unique_brand_now("one-by-one");
  const std::string batched = test::unique_brand_now("batched");
  const std::vector<Event> events = mixed(single, now);
  f.one_by_one(events);
  f.one_by_one(events);
  f.as_batch(of_brand(events, batched));
  f.as_batch(of_brand(events, batched));
  const Written expected = f.written(single);
  const Written got = f.written(batched);
  CHECK(got.entries.size() == 2 * events.size());
  CHECK(got == expected);
}

TEST_CASE("events of two brands published in one turn and split by the cap count exactly",
          "[integration][analytics][batch]") {
  BatchFixture f;
  const std::int64_t now = wall_clock_ms();
  const std::string a = test::unique_brand_now("sink-a");
  const std::string b = test::unique_brand_now("sink-b");
  const std::vector<Event> of_a = mixed(a, now), of_b = mixed(b, now);
  {
    RedisEventSink sink(f.ioc, f.conn, bounds, true, 7);
    // Interleaved, all before the loop runs: one turn, cut every 7 events, each cut split by
    // brand.
    for (std::size_t i = 0; i < of_a.size(); ++i) {
      sink.publish(of_a[i]);
      sink.publish(of_b[i]);
    }
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end &&
           (f.written(a).entries.size() < of_a.size() || f.written(b).entries.size() < of_b.size()))
      f.ioc.run_for(20ms);
  }
  const std::string single_a = test::unique_brand_now("one-by-one-a");
  const std::string single_b = test::unique_brand_now("one-by-one-b");
  f.one_by_one(of_brand(of_a, single_a));
  f.one_by_one(of_brand(of_b, single_b));
  const Written got_a = f.written(a), got_b = f.written(b);
  CHECK(got_a.entries.size() == of_a.size());
  CHECK(got_a == f.written(single_a));
  CHECK(got_b == f.written(single_b));
}

TEST_CASE("what a sink still holds is flushed when it goes while its loop runs",
          "[integration][analytics][batch]") {
  BatchFixture f;
  const std::string brand = test::unique_brand_now("sink-flush");
  const std::vector<Event> events = mixed(brand, wall_clock_ms());
  {
    RedisEventSink sink(f.ioc, f.conn, bounds);
    for (std::size_t i = 0; i < 5; ++i) sink.publish(events[i]);
  }
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end && f.written(brand).entries.size() < 5)
    f.ioc.run_for(20ms);
  CHECK(f.written(brand).entries.size() == 5);
}

TEST_CASE("a sink that goes with its loop stopped leaves nothing behind that runs",
          "[integration][analytics][batch]") {
  BatchFixture f;
  const std::string brand = test::unique_brand_now("sink-stop");
  const std::vector<Event> events = mixed(brand, wall_clock_ms());
  LoggedLines log;
  {
    RedisEventSink sink(f.ioc, f.conn, bounds, true, 4);
    for (std::size_t i = 0; i < 6; ++i) sink.publish(events[i]);  // 4 handed over, 2 pending
    f.ioc.stop();
  }
  const auto lines = log.with_msg("event not recorded");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["events"] == 6);
  CHECK(lines[0]["cause"] == "shutdown");
  // A loop run again (production's never is) still runs the 4 calls it was handed, and the
  // posted flush, which finds the gone sink's batch dropped.
  f.ioc.restart();
  f.ioc.run_for(200ms);
  const Written w = f.written(brand);
  REQUIRE(w.entries.size() == 4);
  CHECK(w.entries[3].at(1) == "checked_wrong");
}

TEST_CASE("a batch Redis refuses is logged with its count and not tried again",
          "[integration][analytics][batch]") {
  BatchFixture f;
  const std::string brand = test::unique_brand_now("sink-refused");
  const std::string stream = AnalyticsKeys::events(brand);
  f.run({"SET", stream, "not a stream"});  // XADD answers WRONGTYPE: the script fails
  const std::vector<Event> events = mixed(brand, wall_clock_ms());
  LoggedLines log;
  {
    RedisEventSink sink(f.ioc, f.conn, bounds);
    for (std::size_t i = 0; i < 9; ++i) sink.publish(events[i]);
    f.ioc.run_for(300ms);
    f.run({"DEL", stream});
    f.ioc.run_for(500ms);  // a retry would now write the stream
  }
  const auto lines = log.with_msg("event not recorded");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["events"] == 9);
  CHECK(lines[0]["lost"] == 9);
  CHECK(lines[0]["brand"] == brand);
  CHECK(f.written(brand).entries.empty());
}
