#include "otpgate/store/redis/redis_analytics.hpp"

#include "script_calls.hpp"

#include "otpgate/core/analytics_batch.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/util/log.hpp"
#include "otpgate/util/log_limit.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace otpgate {

using redis::Reply;
namespace an = analytics;

std::string AnalyticsKeys::events(std::string_view brand) {
  return "otp:{brand:" + std::string(brand) + "}:events";
}

std::string AnalyticsKeys::bucket(std::string_view brand, an::Granularity g,
                                  std::int64_t start_ms) {
  return "otp:{brand:" + std::string(brand) + "}:st:" + std::string(1, an::info(g).key) + ":" +
         std::to_string(start_ms);
}

RecordEventsCall record_events_call(std::span<const Event> events, const StreamBounds& bounds,
                                    bool counters) {
  RecordEventsCall call;
  call.keys.push_back(AnalyticsKeys::events(events.front().brand));
  std::int64_t newest = 0;
  for (const Event& e : events) newest = std::max(newest, e.at_ms);
  const std::int64_t retention_ms = std::max<std::int64_t>(1, bounds.retention.count());
  call.args.push_back(std::to_string(bounds.max_len));
  call.args.push_back(std::to_string(std::max<std::int64_t>(0, newest - retention_ms)));
  call.args.push_back(std::to_string(retention_ms));
  call.args.push_back(std::to_string(events.size()));
  for (const Event& e : events) {
    const auto fields = event_fields(e);
    call.args.push_back(std::to_string(2 * fields.size()));
    for (const auto& [k, v] : fields) {
      call.args.push_back(k);
      call.args.push_back(v);
    }
  }
  if (!counters) return call;
  for (const auto& [tile, adds] : an::aggregate_increments(events)) {
    const an::GranularityInfo& g = an::info(tile.granularity);
    call.keys.push_back(
        AnalyticsKeys::bucket(events.front().brand, tile.granularity, tile.start_ms));
    call.args.push_back(std::to_string(tile.start_ms + g.bucket_ms + g.retention_ms));
    call.args.push_back(adds.last_start > 0 ? std::to_string(adds.last_start) : std::string());
    call.args.push_back(std::to_string(adds.counts.size()));
    for (const auto& [field, n] : adds.counts) {
      call.args.push_back(field);
      call.args.push_back(std::to_string(n));
    }
  }
  return call;
}

namespace {

// Redis away: every batch of every thread would log one.
log::limited unrecorded_event_lines;

// A batch's events by brand, each brand's in publish order (a batch mostly holds one brand).
std::vector<std::vector<Event>> split_by_brand(std::vector<Event>&& batch) {
  std::vector<std::vector<Event>> out;
  for (Event& e : batch) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const auto& group) { return group.front().brand == e.brand; });
    if (it == out.end()) it = out.emplace(out.end());
    it->push_back(std::move(e));
  }
  return out;
}

}  // namespace

struct RedisEventSink::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& ioc, redis::Connection& conn, StreamBounds bounds, bool counters,
        std::size_t max_batch)
      : ioc(ioc), conn(conn), bounds(bounds), counters(counters), max_batch(max_batch) {}

  void flush();
  void append(std::vector<Event> events);
  void log_lost(const std::string& brand, std::size_t n, std::string_view why);

  boost::asio::io_context& ioc;
  redis::Connection& conn;
  const StreamBounds bounds;
  const bool counters;
  const std::size_t max_batch;
  std::vector<Event> pending;
  bool flush_posted = false;
  std::size_t in_flight = 0;  // events of calls not answered yet
  // Events lost on this thread since its last "event not recorded" line (lines are
  // rate-limited across threads; the next line written carries the count).
  std::size_t lost_unlogged = 0;
};

void RedisEventSink::State::flush() {
  if (pending.empty()) return;
  std::vector<Event> batch;
  batch.swap(pending);
  for (auto& events : split_by_brand(std::move(batch))) append(std::move(events));
}

void RedisEventSink::State::append(std::vector<Event> events) {
  in_flight += events.size();
  // Not retried: a failed batch is logged with its count, and the requests have gone on.
  boost::asio::co_spawn(
      ioc,
      [self = shared_from_this(), call = record_events_call(events, bounds, counters),
       brand = events.front().brand, n = events.size()]() -> task<void> {
        auto r =
            co_await self->conn.eval(scripts::cached(scripts::record_events), call.keys, call.args);
        self->in_flight -= n;
        if (!r || r.value().is_error()) self->log_lost(brand, n, "redis");
      },
      boost::asio::detached);
}

void RedisEventSink::State::log_lost(const std::string& brand, std::size_t n,
                                     std::string_view why) {
  lost_unlogged += n;
  unrecorded_event_lines.write(log::level::warn, "event not recorded", [&] {
    auto fields = nlohmann::json{
        {"brand", brand}, {"events", n}, {"lost", lost_unlogged}, {"cause", std::string(why)}};
    lost_unlogged = 0;
    return fields;
  });
}

RedisEventSink::RedisEventSink(boost::asio::io_context& ioc, redis::Connection& conn,
                               StreamBounds bounds, bool counters, std::size_t max_batch)
    : state_(std::make_shared<State>(ioc, conn, bounds, counters,
                                     std::max<std::size_t>(1, max_batch))) {}

RedisEventSink::~RedisEventSink() {
  State& s = *state_;
  if (!s.ioc.stopped()) {
    s.flush();  // the loop still runs: the calls go out
    return;
  }
  // Shutdown: the loop will not run the flush or answer the calls again. A posted flush that
  // a restarted loop might still run finds nothing: what is counted lost here stays lost.
  const std::size_t lost = s.pending.size() + s.in_flight;
  s.pending.clear();
  if (lost > 0)
    log::write(log::level::warn, "event not recorded",
               {{"events", lost}, {"lost", lost + s.lost_unlogged}, {"cause", "shutdown"}});
}

bool RedisEventSink::busy() const {
  return !state_->pending.empty() || state_->in_flight > 0;
}

void RedisEventSink::publish(const Event& e) {
  // Fire and forget on this thread's loop: the request does not wait for its event.
  State& s = *state_;
  s.pending.push_back(e);
  if (s.pending.size() >= s.max_batch) return s.flush();
  if (s.flush_posted) return;
  s.flush_posted = true;
  // Posted behind every handler already queued: what they publish joins this batch.
  boost::asio::post(s.ioc, [self = state_] {
    self->flush_posted = false;
    self->flush();
  });
}

namespace {

using store_calls::to_int;

std::vector<std::string> bucket_keys(const std::string& brand, const std::vector<an::Tile>& tiles) {
  std::vector<std::string> keys;
  keys.reserve(tiles.size());
  for (const auto& t : tiles)
    keys.push_back(AnalyticsKeys::bucket(brand, t.granularity, t.start_ms));
  return keys;
}

// field, value, field, value, ... as HGETALL and sum_buckets answer.
void add_pairs(an::Counts& into, const std::vector<Reply>& items) {
  for (std::size_t j = 0; j + 1 < items.size(); j += 2)
    into.emplace(items[j].str, to_int(items[j + 1].str));
}

}  // namespace

task<result<std::vector<an::Counts>>> RedisStatsStore::read(
    const std::string& brand, const std::vector<an::Tile>& buckets,
    const std::vector<std::string>& fields) {
  if (buckets.empty()) co_return std::vector<an::Counts>{};
  const std::vector<std::string> keys = bucket_keys(brand, buckets);
  auto reply = co_await conn_.eval(scripts::cached(scripts::read_buckets), keys, fields);
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.type != Reply::kind::array || r.elements.size() != keys.size())
    co_return errc::store_protocol;
  std::vector<an::Counts> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& items = r.elements[i].elements;
    if (fields.empty()) {
      add_pairs(out[i], items);
    } else {
      for (std::size_t j = 0; j < items.size() && j < fields.size(); ++j)
        if (!items[j].is_nil()) out[i].emplace(fields[j], to_int(items[j].str));
    }
  }
  co_return out;
}

task<result<an::Counts>> RedisStatsStore::sum(const std::string& brand,
                                              const std::vector<an::Tile>& buckets,
                                              const std::vector<std::string>& fields) {
  if (buckets.empty()) co_return an::Counts{};
  const std::vector<std::string> keys = bucket_keys(brand, buckets);
  auto reply = co_await conn_.eval(scripts::cached(scripts::sum_buckets), keys, fields);
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.type != Reply::kind::array || r.elements.size() % 2 != 0) co_return errc::store_protocol;
  an::Counts out;
  add_pairs(out, r.elements);
  co_return out;
}

namespace {

std::string alerts_key(std::string_view brand) {
  return "otp:{brand:" + std::string(brand) + "}:alerts";
}

std::string closed_key(std::string_view brand) {
  return alerts_key(brand) + ":closed";
}

std::string lease_key(std::string_view brand) {
  return alerts_key(brand) + ":lease";
}

bool ok(const result<Reply>& r) {
  return r && !r.value().is_error();
}

}  // namespace

std::string alert_to_json(const Alert& a) {
  return nlohmann::json{{"id", a.id},
                        {"indicator", a.indicator},
                        {"prefix", a.prefix},
                        {"opened", a.opened_ms},
                        {"updated", a.updated_ms},
                        {"closed", a.closed_ms},
                        {"count", a.count},
                        {"value", a.value},
                        {"reference", a.reference},
                        {"factor", a.factor}}
      .dump();
}

std::optional<Alert> alert_from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    return Alert{.id = j.at("id"),
                 .indicator = j.at("indicator"),
                 .prefix = j.at("prefix"),
                 .opened_ms = j.at("opened"),
                 .updated_ms = j.at("updated"),
                 .closed_ms = j.at("closed"),
                 .count = j.at("count"),
                 .value = j.at("value"),
                 .reference = j.at("reference"),
                 .factor = j.at("factor")};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

namespace {

// The alerts of an array reply of their JSON texts (one that does not read is left out).
result<std::vector<Alert>> alerts_of(const result<Reply>& r) {
  if (!r) return r.error();
  if (r.value().type != Reply::kind::array) return errc::store_protocol;
  std::vector<Alert> out;
  for (const auto& e : r.value().elements)
    if (auto a = alert_from_json(e.str)) out.push_back(std::move(*a));
  return out;
}

}  // namespace

task<result<std::vector<Alert>>> RedisAlertStore::open_alerts(const std::string& brand) {
  const std::vector<std::string> cmd = {"HVALS", alerts_key(brand)};
  auto r = co_await conn_.command(cmd);
  auto out = alerts_of(r);
  if (!out) co_return out;
  std::sort(out.value().begin(), out.value().end(),
            [](const Alert& x, const Alert& y) { return x.opened_ms > y.opened_ms; });
  co_return out;
}

task<result<std::vector<Alert>>> RedisAlertStore::closed_alerts(const std::string& brand,
                                                                std::size_t limit) {
  const std::vector<std::string> cmd = {"LRANGE", closed_key(brand), "0",
                                        std::to_string(limit == 0 ? 0 : limit - 1)};
  auto r = co_await conn_.command(cmd);
  co_return alerts_of(r);
}

task<result<bool>> RedisAlertStore::take_lease(const std::string& brand, std::int64_t ttl_ms) {
  const std::vector<std::string> cmd = {
      "SET", lease_key(brand), "1", "NX", "PX", std::to_string(std::max<std::int64_t>(1, ttl_ms))};
  auto r = co_await conn_.command(cmd);
  if (!r) co_return r.error();
  co_return r.value().type == Reply::kind::status;  // OK; nil when another holds it
}

task<result<bool>> RedisAlertStore::put_open(const std::string& brand, const Alert& a) {
  const std::vector<std::string> set = {"HSET", alerts_key(brand), a.id, alert_to_json(a)};
  auto r = co_await conn_.command(set);
  if (!ok(r)) co_return r ? result<bool>(errc::store_protocol) : result<bool>(r.error());
  const std::vector<std::string> expire = {"PEXPIRE", alerts_key(brand),
                                           std::to_string(alerts_ttl_ms)};
  auto e = co_await conn_.command(expire);
  if (!e) co_return e.error();
  co_return true;
}

task<result<bool>> RedisAlertStore::close(const std::string& brand, const Alert& a) {
  const std::vector<std::vector<std::string>> cmds = {
      {"HDEL", alerts_key(brand), a.id},
      {"LPUSH", closed_key(brand), alert_to_json(a)},
      {"LTRIM", closed_key(brand), "0", std::to_string(alerts_closed_kept - 1)},
      {"PEXPIRE", closed_key(brand), std::to_string(alerts_ttl_ms)}};
  for (const auto& cmd : cmds) {
    auto r = co_await conn_.command(cmd);
    if (!ok(r)) co_return r ? result<bool>(errc::store_protocol) : result<bool>(r.error());
  }
  co_return true;
}

}  // namespace otpgate
