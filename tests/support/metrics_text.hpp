// Reading a Prometheus text exposition in tests: sample values by series, family names by type.
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace otpgate::test {

// Every sample line as series text (name and labels exactly as printed) -> value.
inline std::map<std::string, double> parse_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const std::string value = line.substr(space + 1);
    out[line.substr(0, space)] = value == "+Inf" ? 1e300 : std::stod(value);
  }
  return out;
}

// The value of one series, e.g. sample(t, R"(otpgate_x_total{brand="a"})"); nullopt if absent.
inline std::optional<double> sample(const std::string& text, const std::string& series) {
  const auto all = parse_samples(text);
  const auto it = all.find(series);
  if (it == all.end()) return std::nullopt;
  return it->second;
}

// Family name -> type, from the # TYPE lines.
inline std::map<std::string, std::string> family_types(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string name, type;
    words >> name >> type;
    out[name] = type;
  }
  return out;
}

}  // namespace otpgate::test
