// Faults that last must not flood the log: a gateway whose circuit is open (one warning per
// send before), and the acceptor at the process's descriptor limit (an error per failed accept,
// 20 a second per io thread before). Repeated lines are rate-limited per kind; the first line
// after held-back ones says how many were held back ("suppressed"). The acceptor backs off and
// the connections already open keep being served; accepting resumes when descriptors free up.
#include "fault_world.hpp"

#include <sys/resource.h>

#include <filesystem>
#include <numeric>

using namespace otpgate::test;
using namespace otpgate::test::fault_e2e;
using namespace std::chrono_literals;

namespace {

std::uint64_t total_suppressed(const std::vector<nlohmann::json>& lines) {
  return std::accumulate(lines.begin(), lines.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const nlohmann::json& j) {
                           return sum + j.value("suppressed", std::uint64_t{0});
                         });
}

std::size_t open_descriptors(pid_t pid) {
  const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(fds),
                                                std::filesystem::directory_iterator()));
}

const std::string healthz_request = "GET /healthz HTTP/1.1\r\nHost: otpgate\r\n\r\n";
const std::string answered = "{\"status\":\"ok\"}";

}  // namespace

TEST_CASE("an open circuit logs a bounded number of warnings and counts the rest",
          "[e2e][faults][logs]") {
  FakeHttpServer busy(gateway_e2e::twilio_busy);
  nlohmann::json gateway = gateway_e2e::twilio_gateway(busy);
  gateway["circuit"] = {{"failures", 1}, {"open_seconds", 3600}};
  constexpr int interval_ms = 2000;
  OwnBrandWorld w({{"tw", gateway}}, {"tw"},
                  {{"OTPGATE_LOG_REPEAT_INTERVAL_MS", std::to_string(interval_ms)}},
                  {{"retries", 0}});
  REQUIRE(w.create(fresh_phone()).status == 502);  // the one failure opens the circuit
  const auto began = std::chrono::steady_clock::now();
  int skipped = 0;
  for (int round = 0; round < 4; ++round) {
    const auto answers = in_parallel(50, [&] { return w.create(fresh_phone()); });
    for (const auto& a : answers) skipped += a.status == 502 ? 1 : 0;
  }
  const auto burst_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - began)
                            .count();
  REQUIRE(skipped == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms + 200));  // a quiet window
  REQUIRE(w.create(fresh_phone()).status == 502);
  const auto lines = w.log_lines("gateway skipped: circuit open");
  // At most 5 lines per window, and the burst spans only so many windows (2 s each).
  const auto windows = static_cast<std::size_t>(burst_ms / interval_ms + 2);
  CHECK(lines.size() <= 5 * windows);
  CHECK(lines.size() < 50);
  // Nothing vanished: the lines written and the counts of the held-back ones add up to every
  // skipped send, the last one's line carrying the count of those before it.
  CHECK(lines.size() + total_suppressed(lines) == 201);
  REQUIRE(!lines.empty());
  CHECK(lines.back().value("suppressed", std::uint64_t{0}) > 0);
  CHECK(lines.back()["gateway"] == "tw");
  CHECK(busy.request_count() == 1);  // the circuit stayed open
}

TEST_CASE("at the descriptor limit the acceptor backs off, logs a few lines and recovers",
          "[e2e][faults][accept]") {
  OtpgateProcess otpgate;
  RawConnection open(otpgate.port());  // served before the limit: it must stay served
  REQUIRE(open.send(healthz_request));
  REQUIRE(open.read_until(answered, 5s).received.find(answered) != std::string::npos);

  // A few descriptors above what the process holds now: the next connections exhaust them.
  const pid_t pid = otpgate.process().pid();
  const rlimit low{.rlim_cur = static_cast<rlim_t>(open_descriptors(pid) + 3),
                   .rlim_max = RLIM_INFINITY};
  rlimit before{};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, nullptr, &before) == 0);
  const rlimit lowered{.rlim_cur = low.rlim_cur, .rlim_max = before.rlim_max};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &lowered, nullptr) == 0);

  std::vector<std::unique_ptr<RawConnection>> waiting;
  for (int i = 0; i < 20; ++i) {
    waiting.push_back(std::make_unique<RawConnection>(otpgate.port()));
    REQUIRE(waiting.back()->send(healthz_request));
  }
  std::this_thread::sleep_for(1500ms);  // accept fails meanwhile on both io threads
  const auto failures = lines_with_msg(otpgate, "http accept failed");
  REQUIRE(!failures.empty());  // the limit was reached
  // One window (10 s) holds at most 5 lines of a kind, whatever the number of threads.
  CHECK(failures.size() <= 5);
  CHECK(failures.front().contains("retry_ms"));

  // The connection accepted before the limit is still served.
  REQUIRE(open.send(healthz_request));
  CHECK(open.read_until(answered, 5s).received.find(answered) != std::string::npos);

  // Some of the 20 got in before the limit; the others wait in the backlog.
  std::vector<std::unique_ptr<RawConnection>> served;
  std::vector<std::unique_ptr<RawConnection>> backlog;
  for (auto& c : waiting) {
    const bool in = c->read_until(answered, 100ms).received.find(answered) != std::string::npos;
    (in ? served : backlog).push_back(std::move(c));
  }
  REQUIRE(!backlog.empty());
  // Closing connections frees descriptors: the waiting ones are accepted and answered, each
  // closed once answered so that its descriptor is free for the next (in whatever order the
  // two acceptors take them).
  served.clear();
  std::vector<std::string> got(backlog.size());
  std::size_t answered_later = 0;
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (answered_later < backlog.size() && std::chrono::steady_clock::now() < end) {
    for (std::size_t i = 0; i < backlog.size(); ++i) {
      if (!backlog[i]) continue;
      got[i] += backlog[i]->read_until(answered, 20ms).received;
      if (got[i].find(answered) == std::string::npos) continue;
      ++answered_later;
      backlog[i].reset();
    }
  }
  CHECK(answered_later == backlog.size());
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &before, nullptr) == 0);
  CHECK(http_get(otpgate.base_url() + "/healthz").status == 200);
}
