// log::line writes the bytes log::write writes for the same fields (the access log moved to
// it): both lines are captured from stderr and compared without their timestamps.
#include "otpgate/util/log_line.hpp"

#include "support/captured_stderr.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

using otpgate::test::captured_stderr;

namespace {

// The line without the value of "ts" (the two lines were written a moment apart).
std::string without_ts(std::string text) {
  const auto at = text.find("\"ts\":\"");
  REQUIRE(at != std::string::npos);
  const auto end = text.find('"', at + 6);
  return text.erase(at + 6, end - (at + 6));
}

void check_same(const std::string& route, const std::string& remote, double ms, bool tls) {
  const std::string fast = captured_stderr([&] {
    otpgate::log::line l(otpgate::log::level::info, "request");
    l.add("route", route).add("status", std::uint64_t{201}).add("duration_ms", ms);
    l.add("remote", remote).add("method", "POST");
    if (tls) l.add("tls", true);
    l.write();
  });
  const std::string slow = captured_stderr([&] {
    nlohmann::json fields{{"route", route},
                          {"status", 201u},
                          {"duration_ms", ms},
                          {"remote", remote},
                          {"method", "POST"}};
    if (tls) fields["tls"] = true;
    otpgate::log::write(otpgate::log::level::info, "request", fields);
  });
  INFO(slow);
  CHECK(without_ts(fast) == without_ts(slow));
}

}  // namespace

TEST_CASE("log line: the same bytes as log::write", "[unit][log]") {
  check_same("/v1/verifications", "127.0.0.1", 1.25, false);
  check_same("/v1/verifications/{id}/check", "::1", 0.000123456, true);
  check_same("/v1/x", "10.0.0.1", 3.0, false);
  check_same("/v1/x", "10.0.0.1", 1234567.891, false);
  check_same("/v1/x", "10.0.0.1", 1e-9, false);
  // Escapes, control bytes, UTF-8 and invalid UTF-8 (replaced) take nlohmann's own path.
  check_same("/a\"b\\c\n\t\x01\x7f", "r", 2.5, false);
  check_same("/caf\xc3\xa9/\xe2\x82\xac", "r", 2.5, false);
  check_same("/bad\xff\xfe/\xc3", "r", 2.5, true);
  check_same("", "", 0.0, false);
}

TEST_CASE("log line: below the level nothing is written", "[unit][log]") {
  otpgate::log::set_level(otpgate::log::level::warn);
  const std::string out = captured_stderr(
      [] { otpgate::log::line(otpgate::log::level::info, "request").add("k", "v").write(); });
  otpgate::log::set_level(otpgate::log::level::info);
  CHECK(out.empty());
}
