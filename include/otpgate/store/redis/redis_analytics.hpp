// Analytics on Redis: the event sink that appends events in batches and adds their counters in
// one script call per brand and batch on the brand's slot, and the reader of the bucket counters.
#pragma once

#include "otpgate/ports/alert_store.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/stats_store.hpp"
#include "otpgate/redis/connection.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace otpgate {

// Keys on the brand's slot ({brand:<id>}, shared with its templates and audit log).
struct AnalyticsKeys {
  static std::string events(std::string_view brand);
  // otp:{brand:<id>}:st:<m|h|d>:<bucket start ms>
  static std::string bucket(std::string_view brand, analytics::Granularity g,
                            std::int64_t start_ms);
};

// How much of a brand's event stream is kept: about max_len entries (XADD MAXLEN ~), none
// older than retention (XTRIM MINID ~), and the whole stream expires retention after its last
// event. The retention defaults to the minute buckets' (analytics.md): the finest counts and
// the raw events that made them are kept equally long.
struct StreamBounds {
  StreamBounds(std::size_t max_len,
               std::chrono::milliseconds retention = std::chrono::hours(48))  // NOLINT: implicit
      : max_len(max_len), retention(retention) {}
  std::size_t max_len;
  std::chrono::milliseconds retention;
};

// The script call that appends a batch of one brand's events, in order, and adds their counters
// summed per bucket and field (arguments of scripts::record_events), exposed for tests. events:
// not empty, all of one brand. counters false: the events alone (OTPGATE_ANALYTICS=off).
struct RecordEventsCall {
  std::vector<std::string> keys;
  std::vector<std::string> args;
};
RecordEventsCall record_events_call(std::span<const Event> events, const StreamBounds& bounds,
                                    bool counters = true);

// Appends events in batches, one per turn of its io_context: the first event published after a
// flush posts the next flush, so every event published by the handlers already queued goes with
// it, and a batch that reaches max_batch goes at once. A flush makes one script call per brand
// in the batch (the stream and the buckets share the brand's slot), not waited for by anyone.
// One per io thread, used from that thread only: no locks.
class RedisEventSink final : public EventSink {
 public:
  static constexpr std::size_t default_max_batch = 64;
  RedisEventSink(boost::asio::io_context& ioc, redis::Connection& conn, StreamBounds bounds,
                 bool counters = true, std::size_t max_batch = default_max_batch);
  // With the io_context stopped (shutdown), the events not yet flushed and those whose call was
  // not answered are logged as not recorded; otherwise what is pending is flushed.
  ~RedisEventSink() override;
  RedisEventSink(const RedisEventSink&) = delete;
  RedisEventSink& operator=(const RedisEventSink&) = delete;
  void publish(const Event& e) override;
  // Events published and not yet answered by Redis (a graceful stop waits for them).
  bool busy() const;

 private:
  // Shared with the posted flush and the calls in flight, which may outlive the sink.
  struct State;
  std::shared_ptr<State> state_;
};

class RedisStatsStore final : public StatsStore {
 public:
  explicit RedisStatsStore(redis::Connection& conn) : conn_(conn) {}
  task<result<std::vector<analytics::Counts>>> read(
      const std::string& brand, const std::vector<analytics::Tile>& buckets,
      const std::vector<std::string>& fields) override;
  task<result<analytics::Counts>> sum(const std::string& brand,
                                      const std::vector<analytics::Tile>& buckets,
                                      const std::vector<std::string>& fields) override;

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate

namespace otpgate {

// Open alerts in a hash (id -> JSON, kept alerts_ttl after the last evaluation), closed ones in
// a capped list (alerts_closed_kept, alerts_ttl), the evaluators' lease in a string.
class RedisAlertStore final : public AlertStore {
 public:
  static constexpr std::int64_t alerts_ttl_ms = 30LL * 86'400'000;
  static constexpr std::size_t alerts_closed_kept = 200;
  explicit RedisAlertStore(redis::Connection& conn) : conn_(conn) {}
  task<result<std::vector<Alert>>> open_alerts(const std::string& brand) override;
  task<result<std::vector<Alert>>> closed_alerts(const std::string& brand,
                                                 std::size_t limit) override;
  task<result<bool>> take_lease(const std::string& brand, std::int64_t ttl_ms) override;
  task<result<bool>> put_open(const std::string& brand, const Alert& a) override;
  task<result<bool>> close(const std::string& brand, const Alert& a) override;

 private:
  redis::Connection& conn_;
};

std::string alert_to_json(const Alert& a);
std::optional<Alert> alert_from_json(std::string_view text);

}  // namespace otpgate
