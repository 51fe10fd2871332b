// What the binary serves on /metrics passes `promtool check metrics` (the exposition parser and
// the naming lint of Prometheus itself), and every metric the Grafana dashboard queries exists
// in it.
#include "e2e_helpers.hpp"

#include "support/metrics_text.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/wait.h>

using namespace otpgate::test;

namespace {

// Some traffic first, so that histograms, gateways and the verification families have samples.
std::string scrape_after_traffic(const OtpgateProcess& p) {
  const auto created = start_verification(p, fresh_phone());
  REQUIRE(created.status == 201);
  const std::string id = created.json()["id"];
  REQUIRE(check_code(p, id, code_from_outbox(p, id)).status == 200);
  REQUIRE(http_get(p.base_url() + "/v1/verifications/nope").status == 401);
  const HttpResponse r = http_get(p.base_url() + "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

void collect_exprs(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "expr" && it.value().is_string()) out.push_back(it.value());
      collect_exprs(it.value(), out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_exprs(v, out);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("promtool check metrics accepts what /metrics serves", "[e2e][metrics]") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    WARN("SKIPPED: promtool not found; install the Debian package prometheus (scripts/test does)");
    return;
  }
  OtpgateProcess p;
  const std::string text = scrape_after_traffic(p);
  const std::string in = p.dir() + "/metrics.txt", out = p.dir() + "/promtool.out";
  std::ofstream(in) << text;
  const int status =
      std::system(("promtool check metrics < " + in + " > " + out + " 2>&1").c_str());
  const std::string report = read_text(out);
  INFO("promtool said:\n" << report);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(report.empty());  // lint findings are printed even when they are only warnings
}

TEST_CASE("every metric the Grafana dashboard queries is served by /metrics", "[e2e][metrics]") {
  const auto dashboard =
      nlohmann::json::parse(read_text(source_dir() + "/deploy/grafana/otpgate.json"));
  std::vector<std::string> exprs;
  collect_exprs(dashboard, exprs);
  REQUIRE(exprs.size() >= 10);

  OtpgateProcess p;
  const auto types = family_types(scrape_after_traffic(p));
  const std::regex name_re("otpgate_[a-z0-9_]+");
  std::set<std::string> queried;
  for (const auto& e : exprs)
    for (auto it = std::sregex_iterator(e.begin(), e.end(), name_re); it != std::sregex_iterator();
         ++it)
      queried.insert(it->str());
  REQUIRE(queried.size() >= 10);
  for (const std::string& name : queried) {
    INFO(name);
    bool found = types.count(name) > 0;
    // A histogram's series carry _bucket, _sum and _count after the family name.
    for (const std::string suffix : {"_bucket", "_sum", "_count"})
      if (!found && name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        const auto base = types.find(name.substr(0, name.size() - suffix.size()));
        found = base != types.end() && base->second == "histogram";
      }
    CHECK(found);
  }
}

TEST_CASE("the Grafana dashboard asks for its data source and brand", "[e2e][metrics]") {
  const auto dashboard =
      nlohmann::json::parse(read_text(source_dir() + "/deploy/grafana/otpgate.json"));
  std::set<std::string> variables;
  for (const auto& v : dashboard["templating"]["list"]) variables.insert(v["name"]);
  CHECK(variables.count("DS_PROMETHEUS") == 1);
  CHECK(variables.count("brand") == 1);
  // Every panel reads from the chosen data source and every brand-scoped query honours $brand.
  std::vector<std::string> exprs;
  collect_exprs(dashboard, exprs);
  for (const auto& panel : dashboard["panels"]) {
    if (panel.value("type", "") == "row") continue;
    INFO(panel.value("title", ""));
    CHECK(panel["datasource"]["uid"] == "${DS_PROMETHEUS}");
  }
  for (const auto& e : exprs) {
    INFO(e);
    if (e.find("brand") != std::string::npos &&
        e.find("otpgate_verifications") != std::string::npos)
      CHECK(e.find("$brand") != std::string::npos);
  }
}
