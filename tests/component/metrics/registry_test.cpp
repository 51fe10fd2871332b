// The metrics registry and its text rendering: HELP/TYPE lines, label and help escaping, number
// formatting, cumulative histogram buckets with +Inf, bounded families, parallel updates.
#include "support/metrics_text.hpp"

#include "otpgate/metrics/registry.hpp"
#include "otpgate/metrics/text_format.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace otpgate::metrics;
using otpgate::test::parse_samples;
using otpgate::test::sample;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a counter renders HELP, TYPE and escaped label values", "[unit][metrics]") {
  Registry r;
  auto& f = r.counter("t_requests_total", "Requests.\nSecond line with a \\ backslash.",
                      {"route", "status"});
  f.labels({"/a\"b\\c\nd", "200"}).inc(3);
  f.labels({"/plain", "404"}).inc();
  const std::string text = r.render();
  CHECK(contains(text, "# HELP t_requests_total Requests.\\nSecond line with a \\\\ backslash.\n"));
  CHECK(contains(text, "# TYPE t_requests_total counter\n"));
  CHECK(contains(text, "t_requests_total{route=\"/a\\\"b\\\\c\\nd\",status=\"200\"} 3\n"));
  CHECK(contains(text, "t_requests_total{route=\"/plain\",status=\"404\"} 1\n"));
  // The same label values find the same series.
  f.labels({"/plain", "404"}).inc();
  CHECK(sample(r.render(), R"(t_requests_total{route="/plain",status="404"})") == 2);
}

TEST_CASE("a histogram's buckets are cumulative and end with +Inf, _sum and _count",
          "[unit][metrics]") {
  Registry r;
  auto& f = r.histogram("t_duration_seconds", "Durations.", {"route"}, {0.1, 1, 10});
  auto& h = f.labels({"/x"});
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
  const std::string text = r.render();
  CHECK(contains(text, "# TYPE t_duration_seconds histogram\n"));
  // 0.1 lands in le="0.1": the bounds are inclusive.
  CHECK(sample(text, R"(t_duration_seconds_bucket{route="/x",le="0.1"})") == 2);
  CHECK(sample(text, R"(t_duration_seconds_bucket{route="/x",le="1"})") == 3);
  CHECK(sample(text, R"(t_duration_seconds_bucket{route="/x",le="10"})") == 4);
  CHECK(contains(text, "t_duration_seconds_bucket{route=\"/x\",le=\"+Inf\"} 5\n"));
  CHECK(sample(text, R"(t_duration_seconds_count{route="/x"})") == 5);
  CHECK(sample(text, R"(t_duration_seconds_sum{route="/x"})") == Approx(55.65));
  // Buckets come in ascending order, +Inf last, then _sum and _count.
  CHECK(text.find("le=\"0.1\"") < text.find("le=\"1\""));
  CHECK(text.find("le=\"10\"") < text.find("le=\"+Inf\""));
  CHECK(text.find("le=\"+Inf\"") < text.find("_sum"));
  CHECK(text.find("_sum") < text.find("_count"));
}

TEST_CASE("values and bounds use the text format's spelling", "[unit][metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(42) == "42");
  CHECK(format_value(0.5) == "0.5");
  CHECK(format_value(0.0005) == "0.0005");
  CHECK(format_value(2.5) == "2.5");
  CHECK(format_value(-3) == "-3");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(escape_help("say \"hi\"\\\n") == "say \"hi\"\\\\\\n");
  CHECK(format_labels({}, {}) == "");
  CHECK(format_labels({"a", "b"}, {"1", "2"}, "le=\"0.5\"") == "{a=\"1\",b=\"2\",le=\"0.5\"}");
}

TEST_CASE("a family past its capacity counts into one series labelled other", "[unit][metrics]") {
  Registry r;
  auto& f = r.counter("t_bounded_total", "Bounded.", {"brand", "kind"}, 2);
  f.labels({"a", "x"}).inc();
  f.labels({"b", "x"}).inc();
  f.labels({"c", "x"}).inc();  // past the capacity
  f.labels({"d", "y"}).inc(2);
  f.labels({"a", "x"}).inc();  // existing series still found
  const auto samples = parse_samples(r.render());
  CHECK(samples.size() == 3);
  CHECK(samples.at(R"(t_bounded_total{brand="a",kind="x"})") == 2);
  CHECK(samples.at(R"(t_bounded_total{brand="b",kind="x"})") == 1);
  CHECK(samples.at(R"(t_bounded_total{brand="other",kind="other"})") == 3);
  // The spill series is the all-"other" one, not a second series with the same labels.
  f.labels({"other", "other"}).inc();
  CHECK(sample(r.render(), R"(t_bounded_total{brand="other",kind="other"})") == 4);
}

TEST_CASE("updates from many threads are all counted", "[unit][metrics][race]") {
  Registry r;
  auto& f = r.counter("t_parallel_total", "Parallel.", {"k"});
  auto& h = r.histogram("t_parallel_seconds", "Parallel.", {"k"}, {1});
  constexpr int threads = 4, per_thread = 20'000, keys = 50;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string k = std::to_string(i % keys);
        f.labels({k}).inc();
        h.labels({k}).observe(0.5);
      }
    });
  for (auto& w : workers) w.join();
  const auto samples = parse_samples(r.render());
  double total = 0;
  for (int k = 0; k < keys; ++k) {
    const std::string key = std::to_string(k);
    const double n = samples.at("t_parallel_total{k=\"" + key + "\"}");
    CHECK(n == threads * per_thread / keys);
    CHECK(samples.at("t_parallel_seconds_count{k=\"" + key + "\"}") == n);
    total += n;
  }
  CHECK(total == threads * per_thread);
}

TEST_CASE("registration refuses a second family of the same name and wrong label counts",
          "[unit][metrics]") {
  Registry r;
  auto& f = r.counter("t_once_total", "Once.", {"a"});
  CHECK_THROWS_AS(r.gauge("t_once_total", "Again."), std::logic_error);
  CHECK_THROWS_AS(f.labels({"x", "y"}), std::logic_error);
  CHECK_THROWS_AS(r.histogram("t_bad_seconds", "Bad.", {}, {1, 0.5}), std::logic_error);
}

TEST_CASE("a collected gauge is read at render time until its registration goes",
          "[unit][metrics]") {
  Registry r;
  double value = 7;
  {
    const Registration reg = r.collected_gauge("t_live", "Live.", {"g"}, [&value] {
      return std::vector<Sample>{{{"b"}, value}, {{"a"}, 1}};
    });
    std::string text = r.render();
    CHECK(contains(text, "# TYPE t_live gauge\n"));
    CHECK(sample(text, R"(t_live{g="b"})") == 7);
    CHECK(text.find("t_live{g=\"a\"}") < text.find("t_live{g=\"b\"}"));  // sorted
    value = 9;
    CHECK(sample(r.render(), R"(t_live{g="b"})") == 9);
  }
  CHECK(!contains(r.render(), "t_live"));
}

TEST_CASE("an unlabelled series renders without braces", "[unit][metrics]") {
  Registry r;
  r.gauge("t_plain", "Plain.").labels({}).set(1.5);
  CHECK(contains(r.render(), "\nt_plain 1.5\n"));
}

TEST_CASE("the metrics headers every layer includes stay free of Asio, Beast and I/O libraries",
          "[unit][metrics][purity]") {
  for (const char* header : {"registry.hpp", "otpgate_metrics.hpp", "text_format.hpp"}) {
    const std::string path = std::string(OTPGATE_SOURCE_DIR) + "/include/otpgate/metrics/" + header;
    std::ifstream in(path);
    REQUIRE(in);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include", 0) != 0) continue;
      INFO(path << ": " << line);
      CHECK(line.find("boost/") == std::string::npos);
      CHECK(line.find("hiredis") == std::string::npos);
      CHECK(line.find("curl") == std::string::npos);
      // Only the standard library and the metrics' own headers.
      CHECK((line.find('<') != std::string::npos ||
             line.find("otpgate/metrics/") != std::string::npos));
    }
  }
}
