// SMS text templates: parsed once at start-up into literal and variable parts, rendered on the
// request path without any parsing. Placeholders are exactly {{name}}: no spaces inside the
// braces, names from the fixed list below. "{{" always starts a placeholder and "}}" never stands
// alone, so a brace pair is never sent to a customer literally; single braces are plain text.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace otpgate {

enum class TemplateVar { code, brand, ttl_minutes, amount, currency, payee, order_id };

std::optional<TemplateVar> template_var_from_name(std::string_view name);

struct TemplateValues {
  std::string code, brand, ttl_minutes, amount, currency, payee, order_id;
};

// Longest template text accepted, in bytes (an SMS of 10 UCS-2 parts is about 700 bytes).
inline constexpr std::size_t max_template_bytes = 1000;

struct TemplateScan;

class Template {
 public:
  // Parses text (scan_template's rules); on failure returns nullopt and sets error to the first
  // problem's sentence, prefixed with "position N: " (code points, 0-based) when it has one.
  static std::optional<Template> parse(std::string_view text, std::string& error);
  std::string render(const TemplateValues& values) const;
  bool uses(TemplateVar var) const;
  // The text it was parsed from (what the brand-manager API shows).
  const std::string& text() const { return text_; }

 private:
  friend TemplateScan scan_template(std::string_view text);
  std::vector<std::variant<std::string, TemplateVar>> parts_;
  std::string text_;
};

// A syntax problem of a template text; always an error. The codes are stable and documented in
// docs/brands.md ("Lint"): TEMPLATE_TOO_LONG, TEMPLATE_EMPTY, INVALID_UTF8,
// MALFORMED_PLACEHOLDER, STRAY_CLOSING_BRACES, UNKNOWN_VARIABLE, MISSING_CODE.
struct TemplateSyntaxError {
  std::string code;
  std::string message;                  // one plain sentence for a brand manager
  std::optional<std::size_t> position;  // 0-based, in code points; nullopt: the whole text
};

// What scan_template found: every syntax problem (not only the first), and the template when
// there is none. Parse and the lint (core/template_lint.hpp) share it so their rules agree.
struct TemplateScan {
  std::optional<Template> parsed;
  std::vector<TemplateSyntaxError> errors;  // in text order; MISSING_CODE last
  // Byte ranges [first, second) of every "{{...}}", well-formed or not: not literal text.
  std::vector<std::pair<std::size_t, std::size_t>> placeholders;
  // Variables the text names, including those written with spaces ({{ code }}).
  std::vector<TemplateVar> named;

  bool names(TemplateVar var) const;
};

// Too long, empty or invalid UTF-8 texts stop the scan with that one error.
TemplateScan scan_template(std::string_view text);

// "de-AT" -> "de-AT", "de", then the brand's default locale, then "en" (duplicates dropped).
std::vector<std::string> locale_candidates(std::string_view requested,
                                           std::string_view brand_default);

// BCP 47 shape check used for request validation: 2–3 letter language, optional subtags of 2–8
// alphanumerics ("de", "de-AT", "zh-Hant-TW").
bool is_bcp47(std::string_view tag);

}  // namespace otpgate
