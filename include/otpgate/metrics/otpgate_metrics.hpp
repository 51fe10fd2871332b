// The metrics otpgate exports on /metrics (docs/metrics.md lists them with their labels). One
// set per process, in the process-wide registry, updated from every io thread.
//
// Labels are bounded: route templates (never raw paths), configured brands and gateways (anything
// else is "other"), and fixed enums. Never ids, phone numbers or IPs.
#pragma once

#include "otpgate/metrics/registry.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {
struct Event;
}

namespace otpgate::metrics {

// Label values that must be configured names: anything not allowed reads as "other". Append-only
// (a brand removed by a reload keeps its series) and lock-free to read; allow() may run on any
// thread (the SIGHUP reload).
class AllowedValues {
 public:
  explicit AllowedValues(std::size_t capacity = 256);
  ~AllowedValues();
  AllowedValues(const AllowedValues&) = delete;
  AllowedValues& operator=(const AllowedValues&) = delete;
  // False when the capacity is used up (the value then stays "other").
  bool allow(std::string_view v);
  // v itself when allowed, else "other".
  std::string_view bound(std::string_view v) const;

 private:
  const std::string* find(std::string_view v) const;
  std::size_t mask_;
  std::unique_ptr<std::atomic<const std::string*>[]> slots_;
  std::mutex writer_;
  std::size_t size_ = 0;  // under writer_
};

// How a Redis command failed without an answer, or answered with an error.
enum class RedisError {
  reply,        // Redis answered with an error (NOSCRIPT, OOM, WRONGTYPE, ...)
  unavailable,  // not connected, or the connection was lost before the answer
};

class OtpgateMetrics {
 public:
  // Registers every family in `r` (which must outlive this object).
  explicit OtpgateMetrics(Registry& r);
  ~OtpgateMetrics();

  // Configured names become label values; their series start at 0 (so rate() and absent()
  // work from the first scrape).
  void allow_brands(const std::vector<std::string>& brands);
  void allow_gateways(const std::vector<std::string>& gateways);

  // route: the route template the router named (Response::log_route).
  void observe_http_request(std::string_view method, std::string_view route, unsigned status,
                            double seconds);
  // command: the command's first argument ("EVALSHA"); unknown commands count as "other".
  void observe_redis_command(std::string_view command, double seconds);
  void count_redis_error(RedisError kind);
  void count_redis_timeout();
  void count_redis_late_reply();
  void count_redis_reconnect();
  // outcome: "accepted", "transient" or "permanent".
  void observe_gateway_attempt(std::string_view gateway, std::string_view outcome, double seconds);
  // The counters derived from the verification events (see MeteredEventSink).
  void count_event(const Event& e);
  void set_open_alerts(std::string_view brand, std::size_t n);

 private:
  struct Families;
  std::unique_ptr<Families> f_;
  AllowedValues brands_;
  AllowedValues gateways_;
  std::vector<Registration> collected_;  // process figures, read at scrape time
};

// The process-wide registry that /metrics renders.
Registry& registry();
// otpgate's metrics in registry(), created on first use.
OtpgateMetrics& process();

// The number of open alerts of a brand, as the alert evaluator last counted them.
void set_open_alerts(const std::string& brand, std::size_t n);

}  // namespace otpgate::metrics
