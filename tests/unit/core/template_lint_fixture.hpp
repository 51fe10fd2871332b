// Shared by the template lint's unit tests: brands from a brand document, a lint with the
// brand's sample values, readers of a report, and the demo template files.
#pragma once

#include "otpgate/core/template_lint.hpp"

#include <nlohmann/json.hpp>

#include "support/repo_files.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace otpgate::lint_test {

using json = nlohmann::json;

inline json brand_doc() {
  return {{"display_name", "Acme"}, {"sender_id", "Acme"},         {"locales", {"de", "en"}},
          {"default_locale", "de"}, {"allowed_countries", {"DE"}}, {"gateways", {"file"}}};
}

inline Brand brand_of(const json& doc) {
  return brand_from_json(*BrandId::parse("acme"), doc);
}

inline Brand plain_brand() {
  return brand_of(brand_doc());
}

inline LintReport lint(std::string_view text, const Brand& brand, std::string_view locale = "de") {
  return lint_template(text, locale, brand, sample_values(brand, locale));
}

inline LintReport lint(std::string_view text) {
  return lint(text, plain_brand());
}

inline std::vector<std::string> codes(const LintReport& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) out.push_back(p.code);
  return out;
}

// The one problem with this code (fails the test unless there is exactly one).
inline LintProblem only(const LintReport& r, const std::string& code) {
  std::vector<LintProblem> found;
  for (const auto& p : r.problems)
    if (p.code == code) found.push_back(p);
  std::string listed;
  for (const auto& c : codes(r)) listed += c + " ";
  INFO("problems: " << listed);
  REQUIRE(found.size() == 1);
  return found.front();
}

// A repository text file as config.cpp reads a template: one trailing newline dropped.
inline std::string read_template(const std::string& relative) {
  std::ifstream in(std::string(OTPGATE_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

using strings = std::vector<std::string>;

}  // namespace otpgate::lint_test
