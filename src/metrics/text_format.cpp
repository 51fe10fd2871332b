#include "otpgate/metrics/text_format.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace otpgate::metrics {

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Counts beyond 2^53 are not exact in a double anyway; below it print them as integers.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0)
    return std::to_string(static_cast<long long>(v));
  // Shortest round-trip form; fixed notation in the usual range, so bucket bounds read "0.0005"
  // as other Prometheus clients print them rather than "5e-04".
  char buf[64];
  const double magnitude = std::fabs(v);
  const auto format =
      magnitude >= 1e-9 && magnitude < 1e15 ? std::chars_format::fixed : std::chars_format::general;
  const auto r = std::to_chars(buf, buf + sizeof buf, v, format);
  return std::string(buf, r.ptr);
}

std::string format_labels(const std::vector<std::string>& names,
                          const std::vector<std::string>& values, std::string_view extra) {
  if (names.empty() && extra.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

}  // namespace otpgate::metrics
