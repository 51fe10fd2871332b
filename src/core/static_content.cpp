#include "otpgate/core/static_content.hpp"

#include "otpgate/core/ascii.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace otpgate {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> types = {{
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},  // RFC 9239
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    // RFC 8259 11: JSON is UTF-8 and defines no charset parameter; a source map is JSON.
    {"json", "application/json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"webmanifest", "application/manifest+json"},
}};

constexpr std::string_view ows = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(ows);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(ows) - first + 1);
}

// The opaque part of an entity tag: '"abc"' and 'W/"abc"' -> 'abc'.
std::string_view opaque_tag(std::string_view tag) {
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    return tag.substr(1, tag.size() - 2);
  return {};
}

// The next element of a list separated by `sep`, trimmed, from `at` on; `at` moves past it
// (npos after the last).
std::string_view next_element(std::string_view list, char sep, std::size_t& at) {
  const auto end = list.find(sep, at);
  const std::string_view element =
      trim(list.substr(at, end == std::string_view::npos ? end : end - at));
  at = end == std::string_view::npos ? end : end + 1;
  return element;
}

// RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). Anything else is
// malformed and read as 0: a client that cannot write a weight does not get a coding it may not
// decode.
bool positive_weight(std::string_view params) {
  for (std::size_t at = 0; at != std::string_view::npos;) {
    const std::string_view p = next_element(params, ';', at);
    const auto eq = p.find('=');
    if (eq == std::string_view::npos || !iequals_ascii(trim(p.substr(0, eq)), "q")) continue;
    const std::string_view q = trim(p.substr(eq + 1));
    if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return false;
    if (q.size() > 1 && (q[1] != '.')) return false;
    bool nonzero = q[0] == '1';
    for (std::size_t i = 2; i < q.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(q[i]))) return false;
      if (q[0] == '1' && q[i] != '0') return false;
      nonzero = nonzero || q[i] != '0';
    }
    return nonzero;
  }
  return true;  // no weight: q=1
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
  const auto slash = name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  const auto dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  const std::string_view ext = base.substr(dot + 1);
  for (const auto& [e, type] : types)
    if (e == ext) return type;
  return "application/octet-stream";
}

bool compressible(std::string_view content_type) {
  return content_type.substr(0, 5) == "text/" || content_type == "image/svg+xml" ||
         content_type == "image/x-icon" || content_type == "application/json" ||
         content_type == "application/manifest+json";
}

std::string_view cache_control_for(std::string_view name) {
  if (name.substr(0, 7) == "assets/" && name.size() > 7)
    return "public, max-age=31536000, immutable";
  return "no-cache";
}

bool if_none_match_matches(std::string_view field, std::string_view etag) {
  const std::string_view mine = opaque_tag(etag);
  field = trim(field);
  if (field == "*") return true;
  // Elements are separated by commas, but a comma may also stand inside a tag's quotes
  // (etagc includes %x2C), so walk tag by tag instead of splitting.
  std::size_t at = 0;
  while (at < field.size()) {
    at = field.find_first_not_of(" \t,", at);
    if (at == std::string_view::npos) return false;
    std::size_t start = at;
    if (field.substr(at, 2) == "W/") at += 2;
    if (at >= field.size() || field[at] != '"') return false;
    const auto close = field.find('"', at + 1);
    if (close == std::string_view::npos) return false;
    if (opaque_tag(field.substr(start, close + 1 - start)) == mine && !mine.empty()) return true;
    at = field.find_first_not_of(ows, close + 1);
    if (at != std::string_view::npos && field[at] != ',') return false;
  }
  return false;
}

bool accepts_gzip(std::string_view field) {
  bool named = false, gzip = false, star = false;
  for (std::size_t at = 0; at != std::string_view::npos;) {
    const std::string_view element = next_element(field, ',', at);
    const auto semi = element.find(';');
    const std::string_view coding = trim(element.substr(0, semi));
    const std::string_view params =
        semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
    if (iequals_ascii(coding, "gzip") || iequals_ascii(coding, "x-gzip")) {
      // The first naming decides; a later "gzip;q=0" after "gzip" is a contradiction we read
      // as the refusal.
      gzip = (named ? gzip : true) && positive_weight(params);
      named = true;
    } else if (coding == "*") {
      star = positive_weight(params);
    }
  }
  return named ? gzip : star;
}

}  // namespace otpgate
