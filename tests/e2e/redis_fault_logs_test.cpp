// A Redis fault that lasts must not flood the log: the Redis link's warnings (connection lost,
// command timed out, drained connection closed with replies missing, connect timed out, ...)
// were written once per occurrence, so a link cut again and again, or timing out under load,
// wrote lines as fast as it reconnected (src/redis/link_connect.cpp, link_drain.cpp). Each kind
// is now rate-limited like the other repeated warnings (OTPGATE_LOG_REPEAT_INTERVAL_MS, five a
// window), and the first line after held-back ones says how many were held back.
#include "e2e_helpers.hpp"
#include "fault_world.hpp"

#include "support/fault_proxy.hpp"
#include "support/redis_server.hpp"

#include <functional>
#include <mutex>
#include <numeric>
#include <thread>

using namespace otpgate::test;
using namespace otpgate::test::fault_e2e;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

constexpr int interval_ms = 3000;
constexpr auto burst = 2500ms;  // shorter than a window: the burst touches at most two

std::uint64_t total_suppressed(const std::vector<nlohmann::json>& lines) {
  return std::accumulate(lines.begin(), lines.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const nlohmann::json& j) {
                           return sum + j.value("suppressed", std::uint64_t{0});
                         });
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  const auto end = steady::now() + limit;
  while (steady::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

OtpgateOptions behind(const FaultProxy& proxy) {
  OtpgateOptions o;
  o.redis_port = proxy.port();
  o.env["OTPGATE_LOG_REPEAT_INTERVAL_MS"] = std::to_string(interval_ms);
  return o;
}

// Whether a line of the kind after the first `seen` ones carries a count of lines held back.
bool later_line_counts_held_back(const OtpgateProcess& p, const std::string& msg,
                                 std::size_t seen) {
  const auto lines = lines_with_msg(p, msg);
  for (std::size_t i = seen; i < lines.size(); ++i)
    if (lines[i].value("suppressed", std::uint64_t{0}) > 0) return true;
  return false;
}

const std::string timed_out_msg =
    "redis command timed out, draining the connection and reconnecting";
const std::string missing_msg = "redis drained connection closed with replies missing";

}  // namespace

TEST_CASE("a Redis link cut again and again logs a bounded number of lost-connection lines",
          "[e2e][faults][logs][redis-outage]") {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  OtpgateProcess p(behind(proxy));
  REQUIRE(p.wait_ready());

  // Every connection the two io threads' links open is cut as soon as it is seen; each link
  // reconnects after its backoff (50 ms once it was ready) and is cut again.
  const auto began = steady::now();
  while (steady::now() - began < burst) {
    if (proxy.counters().open > 0) proxy.cut();
    std::this_thread::sleep_for(10ms);
  }
  const auto connections = proxy.counters().accepted;
  REQUIRE(connections > 20);  // the fault repeated: a line each before
  const auto lines = lines_with_msg(p, "redis connection lost");
  REQUIRE(!lines.empty());
  // Five lines a window, and the burst touched at most two windows.
  CHECK(lines.size() <= 10);
  CHECK(lines.size() + total_suppressed(lines) <= connections);

  // A quiet window, then one more loss: the next line counts the ones held back.
  std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms + 300));
  REQUIRE(p.wait_ready(10s));
  const std::size_t seen = lines.size();
  proxy.cut();
  CHECK(eventually([&] { return later_line_counts_held_back(p, "redis connection lost", seen); }));
  // The link's info line on each reconnect is limited the same way (before: one per reconnect).
  CHECK(lines_with_msg(p, "redis connected").size() <= 11);
  CHECK(p.running());
}

TEST_CASE("Redis commands timing out again and again log a bounded number of lines",
          "[e2e][faults][logs][redis-outage]") {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  OtpgateOptions o = behind(proxy);
  o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "20";
  o.env["OTPGATE_REDIS_DRAIN_MS"] = "0";  // a retired connection closes with its replies missing
  OtpgateProcess p(o);
  REQUIRE(p.wait_ready());

  // Every reply comes 100 ms late: the handshake's PING is answered (its deadline is the 1 s
  // connect timeout), the first command on each fresh connection times out, and the link
  // retires the connection and reconnects. Four clients keep commands coming.
  proxy.slow(50ms);
  const auto began = steady::now();
  std::vector<std::thread> clients;
  int unavailable = 0;
  std::mutex m;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&] {
      while (steady::now() - began < burst) {
        const auto r = start_verification(p, fresh_phone());
        const std::lock_guard lock(m);
        unavailable += r.status == 503 ? 1 : 0;
      }
    });
  for (auto& t : clients) t.join();
  REQUIRE(unavailable > 0);
  // Each fresh connection timed out once: the fault repeated more often than the limit lets
  // lines through (a line of each kind per connection before).
  REQUIRE(proxy.counters().accepted > 12);
  const std::size_t seen = lines_with_msg(p, timed_out_msg).size();
  for (const std::string& msg : {timed_out_msg, missing_msg}) {
    INFO(msg);
    const auto lines = lines_with_msg(p, msg);
    REQUIRE(!lines.empty());
    CHECK(lines.size() <= 10);  // five a window, at most two windows
  }

  // A quiet window, then one more timeout: the next line counts the ones held back.
  proxy.pass();
  std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms + 300));
  REQUIRE(p.wait_ready(10s));
  proxy.slow(50ms);
  CHECK(start_verification(p, fresh_phone()).status == 503);
  CHECK(eventually([&] { return later_line_counts_held_back(p, timed_out_msg, seen); }));
  CHECK(p.running());
}
