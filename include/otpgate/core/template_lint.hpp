// The template lint: every problem of a verification template for one brand and locale, each
// with a stable code, a plain sentence for a brand manager and a position in the text. Saving and
// previewing a template run it (an error refuses the text, warnings are shown), and so does
// start-up for the brand files. Pure; the codes are documented in docs/brands.md ("Lint").
#pragma once

#include "otpgate/core/brand.hpp"
#include "otpgate/core/sms_encoding.hpp"
#include "otpgate/core/templates.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate {

enum class LintSeverity { error, warning };

std::string_view to_string(LintSeverity s);  // "error" / "warning"

struct LintProblem {
  std::string code;     // UPPER_SNAKE, stable (docs/brands.md, "Lint")
  std::string message;  // one plain sentence for a brand manager
  // 0-based index in code points into the template text; nullopt: about the whole message.
  std::optional<std::size_t> position;
  LintSeverity severity = LintSeverity::error;
};

// A report lists at most this many problems; the last then says how many more there are.
inline constexpr std::size_t lint_max_problems = 20;
// Characters forcing UCS-2 listed one by one before one problem counts the rest.
inline constexpr std::size_t lint_max_ucs2_characters = 10;

struct LintReport {
  std::vector<LintProblem> problems;  // template order first, then whole-message problems
  std::optional<Template> parsed;     // set when the text parsed
  // The SMS as sent with the sample values (compose_sms: autofill lines included); empty when
  // the text did not parse.
  std::string sample_sms;
  std::optional<SmsAnalysis> analysis;  // of sample_sms

  bool ok() const;  // no error-severity problem
};

// The order a preview shows; a caller may replace any field.
struct SampleOrder {
  std::string amount = "1234.56";  // a decimal, formatted for the locale by sample_values
  std::string currency = "EUR";    // ISO 4217
  std::string payee = "Example Shop";
  std::string order_id = "ORDER-12345";
};

// The values a preview and the lint render with: a code of the brand's format at its full
// length, the brand's display name, its TTL in whole minutes (rounded up, as sent), and the
// order with its amount formatted for the locale (format_amount).
TemplateValues sample_values(const Brand& brand, std::string_view locale,
                             const SampleOrder& order = {});

// A value a caller puts into an SMS (an order's payee or id): valid UTF-8 without line breaks
// and without the characters the lint refuses in templates (CONTROL_CHARACTER), so a value can
// neither add a line (a second WebOTP line) nor hide or reorder the text around it.
bool safe_sms_value(std::string_view utf8);

// Lints `text` as the brand's template of that purpose for `locale`, rendered with `sample`.
// Too long, empty or invalid UTF-8 text stops at that one error. A support_call text is read
// aloud, not filled in and not a payment: no autofill lines, no PSD2 rule.
LintReport lint_template(std::string_view text, std::string_view locale, const Brand& brand,
                         const TemplateValues& sample, Purpose purpose = Purpose::checkout);

}  // namespace otpgate
