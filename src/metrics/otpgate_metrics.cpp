#include "otpgate/metrics/otpgate_metrics.hpp"

#include "otpgate/core/events.hpp"
#include "process_figures.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>

namespace otpgate::metrics {
namespace {

constexpr std::string_view other = "other";

#if defined(__clang__)
constexpr std::string_view compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
constexpr std::string_view compiler = "gcc " __VERSION__;
#else
constexpr std::string_view compiler = "unknown";
#endif

// The first value of `known` equal to v (ASCII case-insensitive when `fold`), else "other".
template <std::size_t N>
std::string_view one_of(const std::array<std::string_view, N>& known, std::string_view v,
                        bool fold = false) {
  for (std::string_view k : known) {
    if (k.size() != v.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i)
      same =
          k[i] == (fold ? static_cast<char>(std::tolower(static_cast<unsigned char>(v[i]))) : v[i]);
    if (same) return k;
  }
  return other;
}

// Clients may send any token as a method; only these become label values.
constexpr std::array<std::string_view, 7> methods = {"GET",    "HEAD",  "POST",   "PUT",
                                                     "DELETE", "PATCH", "OPTIONS"};
// The commands otpgate sends (lower case, as Redis' own INFO commandstats names them).
constexpr std::array<std::string_view, 30> redis_commands = {
    "evalsha", "eval", "xadd",   "xrange", "xrevrange", "xlen",   "hgetall", "hget",
    "hmget",   "hset", "hvals",  "hdel",   "hincrby",   "lpush",  "lrange",  "ltrim",
    "get",     "set",  "mget",   "del",    "exists",    "expire", "pexpire", "incr",
    "incrby",  "zadd", "zrange", "ping",   "scan",      "type"};
constexpr std::array<std::string_view, 5> end_outcomes = {"approved", "failed", "expired",
                                                          "cancelled", "send_failed"};
constexpr std::array<std::string_view, 2> encodings = {"gsm7", "ucs2"};
constexpr std::array<std::string_view, 5> limit_kinds = {"phone", "ip", "prefix", "brand",
                                                         "prefix_anomaly"};
constexpr std::array<std::string_view, 5> refusal_reasons = {"country", "line_type", "sim_swap",
                                                             "kyc", "signal_error"};
// The network signals' outcomes (core/signals.hpp SignalOutcome, as events carry them).
constexpr std::array<std::string_view, 3> sim_swap_outcomes = {"clear", "swapped", "error"};
constexpr std::array<std::string_view, 3> kyc_outcomes = {"match", "mismatch", "error"};
constexpr std::array<std::string_view, 3> attempt_outcomes = {"accepted", "transient", "permanent"};
constexpr std::array<std::string_view, 2> report_statuses = {"delivered", "undelivered"};
constexpr std::array<std::string_view, 2> check_results = {"right", "wrong"};

std::size_t slots_for(std::size_t capacity) {
  return std::bit_ceil(std::max<std::size_t>(capacity, 1) * 2);
}

std::uint64_t hash_of(std::string_view v) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : v) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

AllowedValues::AllowedValues(std::size_t capacity)
    : mask_(slots_for(capacity) - 1),
      slots_(std::make_unique<std::atomic<const std::string*>[]>(mask_ + 1)) {}

AllowedValues::~AllowedValues() {
  for (std::size_t i = 0; i <= mask_; ++i) delete slots_[i].load(std::memory_order_relaxed);
}

const std::string* AllowedValues::find(std::string_view v) const {
  const std::uint64_t h = hash_of(v);
  for (std::size_t probe = 0; probe <= mask_; ++probe) {
    const std::string* s = slots_[(h + probe) & mask_].load(std::memory_order_acquire);
    if (s == nullptr) return nullptr;
    if (*s == v) return s;
  }
  return nullptr;
}

bool AllowedValues::allow(std::string_view v) {
  std::lock_guard lock(writer_);  // one writer at a time; readers never wait
  if (find(v) != nullptr) return true;
  if (size_ * 2 >= mask_ + 1) return false;
  const std::uint64_t h = hash_of(v);
  for (std::size_t probe = 0;; ++probe) {
    auto& slot = slots_[(h + probe) & mask_];
    if (slot.load(std::memory_order_relaxed) != nullptr) continue;
    slot.store(new std::string(v), std::memory_order_release);
    ++size_;
    return true;
  }
}

std::string_view AllowedValues::bound(std::string_view v) const {
  const std::string* s = find(v);
  return s ? std::string_view(*s) : other;
}

struct OtpgateMetrics::Families {
  explicit Families(Registry& r);
  Family<Counter>& http_requests;
  Family<Histogram>& http_duration;
  Family<Histogram>& redis_duration;
  Family<Counter>& redis_errors;
  Family<Counter>& redis_timeouts;
  Family<Counter>& redis_reconnects;
  Family<Counter>& redis_late_replies;
  Family<Counter>& gateway_attempts;
  Family<Histogram>& gateway_duration;
  Family<Counter>& delivery_reports;
  Family<Counter>& started;
  Family<Counter>& ended;
  Family<Counter>& checks;
  Family<Counter>& sms_sent;
  Family<Counter>& segments;
  Family<Counter>& limit_refusals;
  Family<Counter>& refused;
  Family<Counter>& signals;
  Family<Counter>& flagged;
  Family<Counter>& pumping_blocks;
  Family<Counter>& locks;
  Family<Counter>& unlocks;
  Family<Gauge>& open_alerts;
  Family<Gauge>& build_info;
};

OtpgateMetrics::Families::Families(Registry& r)
    : http_requests(r.counter("otpgate_http_requests_total",
                              "HTTP requests answered, by route template, method and status.",
                              {"route", "method", "status"}, 4096)),
      http_duration(
          r.histogram("otpgate_http_request_duration_seconds",
                      "Time from a request's first byte until its answer is ready to write.",
                      {"route"}, latency_buckets(), 256)),
      redis_duration(r.histogram("otpgate_redis_command_duration_seconds",
                                 "Time from sending a Redis command to its reply.", {"command"},
                                 latency_buckets(), 64)),
      redis_errors(r.counter("otpgate_redis_errors_total",
                             "Redis commands that failed: an error reply, or no connection.",
                             {"kind"})),
      redis_timeouts(r.counter("otpgate_redis_command_timeouts_total",
                               "Redis commands unanswered within the command timeout (the "
                               "first one retires its connection).")),
      redis_reconnects(r.counter("otpgate_redis_reconnects_total",
                                 "Connection attempts to Redis after a lost or failed one.")),
      redis_late_replies(r.counter("otpgate_redis_late_replies_total",
                                   "Redis replies read after their command had timed out (on a "
                                   "connection kept open to drain them), discarded.")),
      gateway_attempts(r.counter("otpgate_gateway_attempts_total",
                                 "Attempts to hand an SMS to a gateway, by outcome.",
                                 {"gateway", "outcome"})),
      gateway_duration(r.histogram("otpgate_gateway_request_duration_seconds",
                                   "Time one attempt at a gateway took.", {"gateway"},
                                   latency_buckets())),
      delivery_reports(r.counter("otpgate_delivery_reports_total",
                                 "Gateways' delivery reports applied, by status.",
                                 {"gateway", "status"})),
      started(
          r.counter("otpgate_verifications_started_total", "Verifications created.", {"brand"})),
      ended(r.counter("otpgate_verifications_ended_total",
                      "Verifications that reached a final state, by outcome.",
                      {"brand", "outcome"})),
      checks(r.counter("otpgate_verification_checks_total", "Codes checked, right or wrong.",
                       {"brand", "result"})),
      sms_sent(r.counter("otpgate_sms_sent_total", "SMS accepted by a gateway (sends and resends).",
                         {"brand"})),
      segments(r.counter("otpgate_sms_segments_total",
                         "SMS segments sent (what gateways bill), by encoding.",
                         {"brand", "encoding"})),
      limit_refusals(r.counter("otpgate_rate_limit_refusals_total",
                               "Sends refused by a rate limit or the pumping watch, by limit.",
                               {"brand", "kind"})),
      refused(r.counter("otpgate_verifications_refused_total",
                        "Creates refused for the number's country or line type, or by a "
                        "network signal's policy.",
                        {"brand", "reason"})),
      signals(r.counter("otpgate_network_signals_total",
                        "Network signals asked for creates (let through or refused), by "
                        "signal and outcome.",
                        {"brand", "signal", "outcome"})),
      flagged(r.counter("otpgate_verifications_flagged_total",
                        "Creates let through flagged by a network signal's policy.", {"brand"})),
      pumping_blocks(r.counter("otpgate_pumping_blocks_total",
                               "Destination prefixes blocked as suspected SMS pumping.",
                               {"brand"})),
      locks(
          r.counter("otpgate_phone_locks_total", "Phones locked after failed checks.", {"brand"})),
      unlocks(r.counter("otpgate_phone_unlocks_total", "Phones unlocked by support.", {"brand"})),
      open_alerts(r.gauge("otpgate_open_alerts", "Analytics alerts open now.", {"brand"})),
      build_info(r.gauge("otpgate_build_info", "Version of this otpgate binary (always 1).",
                         {"version", "compiler"})) {}

OtpgateMetrics::OtpgateMetrics(Registry& r)
    : f_(std::make_unique<Families>(r)), collected_(register_process_figures(r)) {
  f_->build_info.labels({OTPGATE_VERSION, compiler}).set(1);
  f_->redis_timeouts.labels({}).inc(0);
  f_->redis_reconnects.labels({}).inc(0);
  f_->redis_late_replies.labels({}).inc(0);
  f_->redis_errors.labels({"reply"}).inc(0);
  f_->redis_errors.labels({"unavailable"}).inc(0);
}

OtpgateMetrics::~OtpgateMetrics() = default;

void OtpgateMetrics::allow_brands(const std::vector<std::string>& brands) {
  for (const std::string& b : brands) {
    if (!brands_.allow(b)) continue;
    f_->started.labels({b});
    for (auto o : end_outcomes) f_->ended.labels({b, o});
    for (auto r : check_results) f_->checks.labels({b, r});
    f_->sms_sent.labels({b});
    for (auto e : encodings) f_->segments.labels({b, e});
    for (auto k : limit_kinds) f_->limit_refusals.labels({b, k});
    for (auto r : refusal_reasons) f_->refused.labels({b, r});
    for (auto o : sim_swap_outcomes) f_->signals.labels({b, "sim_swap", o});
    for (auto o : kyc_outcomes) f_->signals.labels({b, "kyc", o});
    f_->flagged.labels({b});
    f_->pumping_blocks.labels({b});
    f_->locks.labels({b});
    f_->unlocks.labels({b});
    f_->open_alerts.labels({b});
  }
}

void OtpgateMetrics::allow_gateways(const std::vector<std::string>& gateways) {
  for (const std::string& g : gateways) {
    if (!gateways_.allow(g)) continue;
    for (auto o : attempt_outcomes) f_->gateway_attempts.labels({g, o});
    f_->gateway_duration.labels({g});
    for (auto s : report_statuses) f_->delivery_reports.labels({g, s});
  }
}

void OtpgateMetrics::observe_http_request(std::string_view method, std::string_view route,
                                          unsigned status, double seconds) {
  const std::string code = std::to_string(status);
  f_->http_requests.labels({route, one_of(methods, method), code}).inc();
  f_->http_duration.labels({route}).observe(seconds);
}

void OtpgateMetrics::observe_redis_command(std::string_view command, double seconds) {
  f_->redis_duration.labels({one_of(redis_commands, command, true)}).observe(seconds);
}

void OtpgateMetrics::count_redis_error(RedisError kind) {
  f_->redis_errors.labels({kind == RedisError::reply ? "reply" : "unavailable"}).inc();
}

void OtpgateMetrics::count_redis_timeout() {
  f_->redis_timeouts.labels({}).inc();
}

void OtpgateMetrics::count_redis_late_reply() {
  f_->redis_late_replies.labels({}).inc();
}

void OtpgateMetrics::count_redis_reconnect() {
  f_->redis_reconnects.labels({}).inc();
}

void OtpgateMetrics::observe_gateway_attempt(std::string_view gateway, std::string_view outcome,
                                             double seconds) {
  const std::string_view g = gateways_.bound(gateway);
  f_->gateway_attempts.labels({g, one_of(attempt_outcomes, outcome)}).inc();
  f_->gateway_duration.labels({g}).observe(seconds);
}

void OtpgateMetrics::set_open_alerts(std::string_view brand, std::size_t n) {
  f_->open_alerts.labels({brands_.bound(brand)}).set(static_cast<double>(n));
}

namespace {

// The network signals a create asked (created, or refused for a signal), and whether it went
// through flagged (a refused create did not go through).
void count_signals(Family<Counter>& signals, Family<Counter>& flagged, std::string_view brand,
                   const Event& e) {
  if (!e.sim_swap.empty())
    signals.labels({brand, "sim_swap", one_of(sim_swap_outcomes, e.sim_swap)}).inc();
  if (!e.kyc.empty()) signals.labels({brand, "kyc", one_of(kyc_outcomes, e.kyc)}).inc();
  if (e.type == EventType::created && e.flagged) flagged.labels({brand}).inc();
}

}  // namespace

void OtpgateMetrics::count_event(const Event& e) {
  const std::string_view b = brands_.bound(e.brand);
  switch (e.type) {
    case EventType::created:
      count_signals(f_->signals, f_->flagged, b, e);
      return f_->started.labels({b}).inc();
    case EventType::approved:
    case EventType::failed:
    case EventType::expired:
    case EventType::cancelled:
    case EventType::send_failed:
      return f_->ended.labels({b, one_of(end_outcomes, to_string(e.type))}).inc();
    case EventType::checked_right:
      return f_->checks.labels({b, "right"}).inc();
    case EventType::checked_wrong:
      return f_->checks.labels({b, "wrong"}).inc();
    case EventType::sent:
    case EventType::resent:
      f_->sms_sent.labels({b}).inc();
      if (e.segments > 0)
        f_->segments.labels({b, one_of(encodings, e.encoding)})
            .inc(static_cast<unsigned>(e.segments));
      return;
    case EventType::rate_limited:
      return f_->limit_refusals.labels({b, one_of(limit_kinds, e.limit)}).inc();
    case EventType::refused:
      count_signals(f_->signals, f_->flagged, b, e);
      return f_->refused.labels({b, one_of(refusal_reasons, e.reason)}).inc();
    case EventType::prefix_blocked:
      return f_->pumping_blocks.labels({b}).inc();
    case EventType::locked:
      return f_->locks.labels({b}).inc();
    case EventType::unlocked:
      return f_->unlocks.labels({b}).inc();
    case EventType::delivered:
    case EventType::undelivered:
      return f_->delivery_reports.labels({gateways_.bound(e.gateway), to_string(e.type)}).inc();
    case EventType::anomaly_opened:  // open alerts are a gauge the alert evaluator sets
    case EventType::anomaly_closed:
      return;
  }
}

Registry& registry() {
  static Registry r;
  return r;
}

OtpgateMetrics& process() {
  // After registry() (its first call finishes first), so destroyed before it.
  static OtpgateMetrics m(registry());
  return m;
}

void set_open_alerts(const std::string& brand, std::size_t n) {
  process().set_open_alerts(brand, n);
}

}  // namespace otpgate::metrics
