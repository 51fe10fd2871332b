// The pieces of the Prometheus text exposition format 0.0.4 that need care: escaping and number
// formatting (https://prometheus.io/docs/instrumenting/exposition_formats/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace otpgate::metrics {

// The Content-Type of a /metrics answer.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

// A label value inside double quotes: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view v);
// A HELP text: backslash and line feed escaped (quotes are literal there).
std::string escape_help(std::string_view v);
// A sample value or an `le` bound: integers without a fraction, others in the shortest form that
// reads back exactly, and +Inf, -Inf, NaN as the format spells them.
std::string format_value(double v);
// {name="value",...} for the given names and values (same length), with `extra` (already
// formatted, e.g. le="0.5") appended; "" when there is nothing to print.
std::string format_labels(const std::vector<std::string>& names,
                          const std::vector<std::string>& values, std::string_view extra = {});

}  // namespace otpgate::metrics
