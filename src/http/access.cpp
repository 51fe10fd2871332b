#include "access.hpp"

#include "otpgate/util/log_line.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>

namespace otpgate::http::detail {
namespace {

// Paths that matched no route come from the client verbatim; cap what reaches the log.
constexpr std::size_t max_logged_path = 256;

bool is_correlator_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::mt19937_64& thread_prng() {
  thread_local std::mt19937_64 prng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return prng;
}

}  // namespace

bool is_acceptable_correlator(std::string_view value) {
  if (value.empty() || value.size() > 64) return false;
  for (char c : value)
    if (!is_correlator_char(c)) return false;
  return true;
}

std::string generate_correlator() {
  static constexpr char hex[] = "0123456789abcdef";
  std::uint64_t v = thread_prng()();
  std::string out(16, '0');
  for (auto& c : out) {
    c = hex[v & 0xf];
    v >>= 4;
  }
  return out;
}

std::string correlator_for(std::optional<std::string_view> client_value) {
  if (client_value && is_acceptable_correlator(*client_value)) return std::string(*client_value);
  return generate_correlator();
}

// Once per request: log::line, not log::write, which builds a JSON document for it.
void write_access_log(const access_record& r) {
  log::line line(log::level::info, "request");
  line.add("method", r.method)
      .add("route", r.route.substr(0, max_logged_path))
      .add("status", std::uint64_t{r.status})
      .add("duration_ms", r.duration_ms)
      .add("correlator", r.correlator)
      .add("remote", r.remote);
  if (!r.phone_masked.empty()) line.add("phone", r.phone_masked);
  if (r.tls) line.add("tls", true);  // absent on plain HTTP: existing log readers see no change
  line.write();
}

const std::string& http_date_now() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cached_second || cached.empty()) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    // Fixed English names: strftime's %a/%b would follow the process locale.
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

}  // namespace otpgate::http::detail
