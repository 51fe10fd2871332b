// SMS text templates: parsed once at start-up into literal and variable parts, rendered on the
// request path without any parsing. Placeholders are exactly {{name}}: no spaces inside the
// braces, names from the fixed list below.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace otpgate {

enum class TemplateVar { code, brand, ttl_minutes, amount, currency, payee, order_id };

std::optional<TemplateVar> template_var_from_name(std::string_view name);

struct TemplateValues {
  std::string code, brand, ttl_minutes, amount, currency, payee, order_id;
};

class Template {
 public:
  // Parses text; on failure returns nullopt and sets error to a sentence naming the position.
  static std::optional<Template> parse(std::string_view text, std::string& error);
  std::string render(const TemplateValues& values) const;
  bool uses(TemplateVar var) const;

 private:
  std::vector<std::variant<std::string, TemplateVar>> parts_;
};

// "de-AT" -> "de-AT", "de", then the brand's default locale, then "en" (duplicates dropped).
std::vector<std::string> locale_candidates(std::string_view requested,
                                           std::string_view brand_default);

// BCP 47 shape check used for request validation: 2–3 letter language, optional subtags of 2–8
// alphanumerics ("de", "de-AT", "zh-Hant-TW").
bool is_bcp47(std::string_view tag);

}  // namespace otpgate
