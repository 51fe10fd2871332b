#include "otpgate/http/edge_headers.hpp"

#include "otpgate/core/ascii.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace otpgate::http {
namespace {

// Strict: no inline script or style (the app is bundled, styles in files), nothing from another
// origin, no plugins, no <base>, no framing (clickjacking of the unlock and rollback buttons).
constexpr std::string_view csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

constexpr std::array<std::pair<std::string_view, std::string_view>, 5> console_headers = {{
    {"Content-Security-Policy", csp},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
}};

bool has_header(const Response& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return iequals_ascii(h.first, name); });
}

}  // namespace

bool is_console_path(std::string_view path) {
  return path == "/console" || path.substr(0, 9) == "/console/";
}

void add_edge_headers(std::string_view path, Response& r) {
  if (is_console_path(path))
    for (const auto& [name, value] : console_headers) r.headers.emplace_back(name, value);
  else
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!has_header(r, "Cache-Control")) r.headers.emplace_back("Cache-Control", "no-store");
}

}  // namespace otpgate::http
