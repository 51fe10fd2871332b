// The network signals' analytics on the real binary: events carrying sim_swap, kyc and flagged
// are appended through the real store (RedisEventSink, the record_events script on the run's
// Redis) for two brands, and read back through the stats API: a brand's counts, its rates per
// check, the market's rates (rounded, hidden where the other brands made too few checks, never
// their volumes), the series and both CSVs. Every answer is checked against the OpenAPI document
// (OtpgateProcess watches its port).
#include "analytics_world.hpp"

#include "otpgate/store/redis/redis_analytics.hpp"
#include "support/connected_redis.hpp"

#include <map>
#include <sstream>

using namespace otpgate;
using namespace otpgate::test;
using namespace otpgate::test::analytics_e2e;

namespace {

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Event created(const std::string& brand, std::int64_t now, std::string sim_swap, std::string kyc,
              bool flagged) {
  static std::atomic<int> n{0};
  return Event{.type = EventType::created,
               .brand = brand,
               .verification_id = "vf_signal_" + std::to_string(n++),
               .country = "DE",
               .at_ms = now,
               .started_ms = now,
               .sim_swap = std::move(sim_swap),
               .kyc = std::move(kyc),
               .flagged = flagged};
}

Event refused(const std::string& brand, std::int64_t now, std::string reason, std::string sim_swap,
              std::string kyc) {
  return Event{.type = EventType::refused,
               .brand = brand,
               .country = "DE",
               .at_ms = now,
               .reason = std::move(reason),
               .sim_swap = std::move(sim_swap),
               .kyc = std::move(kyc)};
}

// Appends the events through a RedisEventSink and waits until each brand's stream holds them.
void append(const std::vector<Event>& events, const std::map<std::string, std::size_t>& per_brand) {
  ConnectedRedis redis;
  RedisEventSink sink(redis.ioc, redis.conn, StreamBounds(100'000));
  for (const Event& e : events) sink.publish(e);
  const auto done = [&] {
    for (const auto& [brand, n] : per_brand)
      if (redis_cli(shared_redis_port(), {"XLEN", AnalyticsKeys::events(brand)}) !=
          std::to_string(n))
        return false;
    return true;
  };
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end && !done())
    redis.ioc.run_for(std::chrono::milliseconds(20));
  REQUIRE(done());
}

// The mix of the test's own brand: 8 starts, 3 refusals for a signal.
std::vector<Event> own_mix(const std::string& b, std::int64_t now) {
  std::vector<Event> out;
  for (int i = 0; i < 4; ++i) out.push_back(created(b, now, "clear", "match", false));
  out.push_back(created(b, now, "swapped", "match", true));
  out.push_back(created(b, now, "clear", "mismatch", true));
  out.push_back(created(b, now, "error", "", false));
  out.push_back(created(b, now, "", "", false));  // a create that asked nothing
  out.push_back(refused(b, now, "sim_swap", "swapped", ""));
  out.push_back(refused(b, now, "kyc", "clear", "mismatch"));
  out.push_back(refused(b, now, "signal_error", "error", "error"));
  return out;
}

// The other brand: 120 starts with a SIM swap check (10 swapped, flagged), 30 with KYC.
std::vector<Event> other_mix(const std::string& b, std::int64_t now) {
  std::vector<Event> out;
  for (int i = 0; i < 120; ++i)
    out.push_back(created(b, now, i < 10 ? "swapped" : "clear", i < 30 ? "match" : "", i < 10));
  return out;
}

// The sum of a column of a CSV answer.
std::int64_t column_sum(const std::string& csv, const std::string& column) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::istringstream h(line.substr(0, line.size() - 1));  // without the \r
  for (std::string c; std::getline(h, c, ',');) header.push_back(c);
  const auto at = std::find(header.begin(), header.end(), column) - header.begin();
  REQUIRE(at < static_cast<long>(header.size()));
  std::int64_t sum = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string cell;
    for (long i = 0; i <= at; ++i) std::getline(row, cell, ',');
    sum += std::stoll(cell);
  }
  return sum;
}

}  // namespace

TEST_CASE("signal events appended through the store show in the stats with the market",
          "[e2e][analytics][signals]") {
  MixWorld w(R"({"max_attempts":3})", "", {}, 1);
  const std::string other = w.others.at(0);
  const std::int64_t now = wall_clock_ms();
  std::vector<Event> events = own_mix(w.brand, now);
  const std::vector<Event> theirs = other_mix(other, now);
  events.insert(events.end(), theirs.begin(), theirs.end());
  append(events, {{w.brand, 11}, {other, 120}});

  const nlohmann::json s = w.wait_stats(
      [](const nlohmann::json& j) { return at(j, "/fraud/signal_checks/count") == 10; });
  const std::map<std::string, std::int64_t> expected = {
      {"signal_checks", 10},      {"sim_swap_checks", 10},
      {"sim_swaps", 2},           {"sim_swap_errors", 2},
      {"kyc_checks", 8},          {"kyc_mismatches", 2},
      {"kyc_errors", 1},          {"flagged", 2},
      {"refused_sim_swap", 1},    {"refused_kyc", 1},
      {"refused_signal_error", 1}};
  CHECK(s["funnel"]["started"] == 8);
  for (const auto& [name, count] : expected) {
    CAPTURE(name);
    CHECK(s["fraud"][name]["count"] == count);
    CHECK(s["fraud"][name]["per_1000"].get<double>() == Approx(count * 1000.0 / 8));
  }
  // Per check: 2 swaps in 10 SIM swap checks, 2 mismatches in 8 KYC checks, 2 flagged of 10.
  CHECK(s["fraud"]["sim_swaps"]["per_1000_checked"] == 200.0);
  CHECK(s["fraud"]["kyc_mismatches"]["per_1000_checked"] == 250.0);
  CHECK(s["fraud"]["flagged"]["per_1000_checked"] == 200.0);
  CHECK(s["fraud"]["refused_signal_error"]["per_1000_checked"] == 100.0);
  // The market (128 starts, 130 SIM swap checks with 12 swaps, 130 creates that asked with 12
  // flagged), rounded to 1 per 1,000. The other brand made 30 KYC checks: too few to show the
  // market's KYC rates per check.
  REQUIRE(s["market"]["comparable"] == true);
  CHECK(s["fraud"]["sim_swaps"]["market_per_1000"] == 94.0);
  CHECK(s["fraud"]["sim_swaps"]["market_per_1000_checked"] == 92.0);
  CHECK(s["fraud"]["flagged"]["market_per_1000_checked"] == 92.0);
  CHECK(s["fraud"]["kyc_mismatches"]["market_per_1000"] == 16.0);
  CHECK(s["fraud"]["kyc_mismatches"]["market_per_1000_checked"].is_null());
  // Never the other brand's volumes: its name nowhere, the market as rates only.
  CHECK(s.dump().find(other) == std::string::npos);
  std::set<std::string> market_keys;
  for (const auto& [k, v] : s["market"].items()) market_keys.insert(k);
  CHECK(market_keys == std::set<std::string>{"brands", "comparable", "rates", "time_to_approve"});
  // The series holds them by bucket.
  std::int64_t in_series = 0;
  for (const auto& p : s["series"]) in_series += p["signals"]["sim_swaps"].get<std::int64_t>();
  CHECK(in_series == 2);

  // The brand's CSV: the series with the signal columns.
  const Headers csv = {bearer(w.brands.key("analyst")), {"Accept", "text/csv"}};
  const auto series = http_get(w.url("/v1/brands/" + w.brand + "/stats"), csv);
  REQUIRE(series.status == 200);
  for (const auto& [name, count] : expected) {
    CAPTURE(name);
    CHECK(column_sum(series.body, name) == count);
  }

  // All brands (a * key): exact figures for each brand and the market's sums.
  const auto all = http_get(w.url("/v1/stats"), {bearer(w.brands.key("admin"))});
  REQUIRE(all.status == 200);
  const nlohmann::json m = all.json();
  CHECK(m["market"]["fraud"]["sim_swaps"]["count"] == 12);
  CHECK(m["market"]["fraud"]["sim_swap_checks"]["count"] == 130);
  CHECK(m["market"]["fraud"]["kyc_checks"]["count"] == 38);
  CHECK(m["market"]["fraud"]["sim_swaps"]["per_1000_checked"].get<double>() ==
        Approx(12000.0 / 130));
  for (const auto& row : m["brands"]) {
    CAPTURE(row["brand"]);
    const std::int64_t swaps = row["brand"] == other ? 10 : 2;
    CHECK(row["fraud"]["sim_swaps"]["count"] == swaps);
    CHECK(row["fraud"]["kyc_mismatches"]["market_per_1000_checked"].get<double>() ==
          Approx(2000.0 / 38));
  }
  const auto table =
      http_get(w.url("/v1/stats"), {bearer(w.brands.key("admin")), {"Accept", "text/csv"}});
  REQUIRE(table.status == 200);
  CHECK(table.body.find("\r\n*,128,") != std::string::npos);
  CHECK(column_sum(table.body, "sim_swaps") == 2 * 12);  // both brands' rows and the * row
}
