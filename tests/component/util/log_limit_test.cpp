// The repeated-line limit: the rule stepped by hand through a clock of our own, and the
// thread-safe `limited` writing real lines (captured from stderr) from several threads at once.
#include "otpgate/util/log_limit.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using otpgate::log::repeat_rule;
using time_point = std::chrono::steady_clock::time_point;

// Runs f with stderr redirected into a file; returns what it wrote (a pipe could fill up).
template <class F>
std::string captured_stderr(F&& f) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(file), STDERR_FILENO);
  f();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(file);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;) out.append(buf, n);
  std::fclose(file);
  return out;
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace

TEST_CASE("repeat_rule lets `burst` lines through per window and holds back the rest",
          "[component][log]") {
  repeat_rule rule(3);
  const time_point t0{};
  for (int i = 0; i < 3; ++i) {
    const auto held = rule.admit(t0 + std::chrono::milliseconds(i), 1000ms);
    REQUIRE(held.has_value());
    CHECK(*held == 0);
  }
  for (int i = 0; i < 100; ++i) CHECK_FALSE(rule.admit(t0 + 500ms, 1000ms).has_value());
  SECTION("the first line of the next window says how many were held back") {
    const auto next = rule.admit(t0 + 1000ms, 1000ms);
    REQUIRE(next.has_value());
    CHECK(*next == 100);
    const auto after = rule.admit(t0 + 1001ms, 1000ms);
    REQUIRE(after.has_value());
    CHECK(*after == 0);  // counted once, not again
  }
  SECTION("a window starts with the first line after the last one ended, not on a fixed grid") {
    const auto late = rule.admit(t0 + 5000ms, 1000ms);
    REQUIRE(late.has_value());
    CHECK(*late == 100);
    CHECK(rule.admit(t0 + 5999ms, 1000ms).has_value());
    CHECK(rule.admit(t0 + 5999ms, 1000ms).has_value());
    CHECK_FALSE(rule.admit(t0 + 5999ms, 1000ms).has_value());  // the window of 5000 is full
  }
}

TEST_CASE("a limited kind written from many threads writes at most its burst per window",
          "[component][log]") {
  otpgate::log::set_repeat_interval(3'600'000ms);  // one window for the whole test
  static otpgate::log::limited kind(4);
  static otpgate::log::limited other(4);
  const std::string text = captured_stderr([] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([t] {
        for (int i = 0; i < 1000; ++i)
          kind.write(otpgate::log::level::warn, "a repeated fault", [&] {
            return nlohmann::json{{"thread", t}};
          });
      });
    for (auto& th : threads) th.join();
    other.write(otpgate::log::level::warn, "another fault");  // a kind of its own
  });
  otpgate::log::set_repeat_interval(10'000ms);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 5);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(lines[i]["msg"] == "a repeated fault");
    CHECK(lines[i].contains("thread"));
    CHECK_FALSE(lines[i].contains("suppressed"));
  }
  CHECK(lines[4]["msg"] == "another fault");
}

TEST_CASE("the line after a window of held-back lines carries their count", "[component][log]") {
  otpgate::log::set_repeat_interval(500ms);
  static otpgate::log::limited kind(1);
  const std::string text = captured_stderr([] {
    for (int i = 0; i < 50; ++i) kind.write(otpgate::log::level::error, "accept failed");
    std::this_thread::sleep_for(600ms);  // the window ends
    kind.write(otpgate::log::level::error, "accept failed", [] {
      return nlohmann::json{{"error", "Too many open files"}};
    });
  });
  otpgate::log::set_repeat_interval(10'000ms);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 2);
  CHECK_FALSE(lines[0].contains("suppressed"));
  CHECK(lines[1]["suppressed"] == 49);
  CHECK(lines[1]["error"] == "Too many open files");
}
