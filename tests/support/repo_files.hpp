// The repository's own files (brands, schema) as tests read them.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace otpgate::test {

// A JSON file of the repository (brands, schema), parsed.
inline nlohmann::json read_repo_json(const std::string& relative) {
  std::ifstream in(std::string(OTPGATE_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace otpgate::test
