#include "otpgate/core/template_lint.hpp"

#include "otpgate/core/code.hpp"
#include "otpgate/core/sms_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace otpgate {
namespace {

using Problems = std::vector<LintProblem>;

LintProblem error(std::string code, std::string message,
                  std::optional<std::size_t> position = std::nullopt) {
  return {std::move(code), std::move(message), position, LintSeverity::error};
}

LintProblem warning(std::string code, std::string message,
                    std::optional<std::size_t> position = std::nullopt) {
  return {std::move(code), std::move(message), position, LintSeverity::warning};
}

// The scan's whole-text errors: nothing else about such a text is worth saying.
bool stops_lint(std::string_view code) {
  return code == "TEMPLATE_TOO_LONG" || code == "TEMPLATE_EMPTY" || code == "INVALID_UTF8";
}

bool same_tag(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool offers(const Brand& brand, std::string_view locale) {
  return std::any_of(brand.locales.begin(), brand.locales.end(),
                     [&](const std::string& l) { return same_tag(l, locale); });
}

std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Brand::template_for only picks a locale listed in the brand's locales: a template for any
// other tag, even a region variant of a listed one (de-AT next to de), is never sent.
void check_locale(std::string_view locale, const Brand& brand, Problems& out) {
  const std::string tag(locale);
  if (!is_bcp47(locale)) {
    out.push_back(
        error("INVALID_LOCALE",
              "‘" + tag + "’ is not a valid language tag: write it like ‘de’ or ‘de-AT’."));
    return;
  }
  if (offers(brand, locale)) return;
  std::string_view parent = locale;
  while (!parent.empty() && !offers(brand, parent)) {
    const auto dash = parent.rfind('-');
    parent = dash == std::string_view::npos ? std::string_view() : parent.substr(0, dash);
  }
  if (!parent.empty()) {
    const std::string p(parent);
    out.push_back(warning("LOCALE_NOT_OFFERED", "The brand offers ‘" + p + "’ but not ‘" + tag +
                                                    "’, so customers asking for " + tag +
                                                    " get the ‘" + p +
                                                    "’ text and this one is never sent; add " +
                                                    tag + " to the brand's locales to use it."));
    return;
  }
  out.push_back(warning("LOCALE_NOT_OFFERED", "The brand does not offer ‘" + tag + "’ (it offers " +
                                                  listed(brand.locales) +
                                                  "), so this text would never be sent."));
}

void check_psd2(const TemplateScan& scan, const Brand& brand, Problems& out) {
  if (!brand.psd2_dynamic_linking) return;
  if (!scan.names(TemplateVar::amount))
    out.push_back(error("PSD2_AMOUNT_MISSING",
                        "This brand confirms payments, so the text must show the amount: add "
                        "{{amount}}."));
  if (!scan.names(TemplateVar::payee))
    out.push_back(error("PSD2_PAYEE_MISSING",
                        "This brand confirms payments, so the text must show who is paid: add "
                        "{{payee}}."));
}

// "@shop.example #..." at the start of a line: the origin-bound line browsers read.
bool origin_bound_line(std::string_view line) {
  if (line.empty() || line[0] != '@') return false;
  std::size_t i = 1;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) != 0 ||
                             line[i] == '.' || line[i] == '-'))
    ++i;
  return i > 1 && line.compare(i, 2, " #") == 0;
}

std::size_t code_points_before(std::string_view text, std::size_t end) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.begin() + end, [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void check_webotp_in_text(std::string_view text, const Brand& brand, Problems& out) {
  if (brand.webotp_domain.empty()) return;
  const std::string line = webotp_line(brand.webotp_domain, "<code>");
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (origin_bound_line(text.substr(start, end - start)))
      out.push_back(error("WEBOTP_LINE_IN_TEMPLATE",
                          "Remove this line: otpgate adds the line ‘" + line +
                              "’ at the end itself, and a second one stops browsers from filling "
                              "in the code.",
                          code_points_before(text, start)));
    start = end + 1;
  }
}

// How a character is named in a message: invisible ones (a tab, a no-break space copied from a
// word processor) by their code point, since quoting them shows nothing.
std::string shown(const std::string& utf8) {
  std::size_t i = 0;
  const char32_t cp = next_code_point(utf8, i).value_or(0);
  const bool invisible = cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD ||
                         (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
                         cp == 0x2060 || cp == 0xFEFF;
  if (!invisible) return "‘" + utf8 + "’";
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(cp));
  return std::string("The invisible character ") + hex;
}

constexpr std::string_view ucs2_consequence =
    " is not in the GSM alphabet: the SMS is sent as UCS-2 (70 characters per part).";

bool in_placeholder(const TemplateScan& scan, std::size_t byte) {
  return std::any_of(scan.placeholders.begin(), scan.placeholders.end(),
                     [byte](const auto& r) { return byte >= r.first && byte < r.second; });
}

// Characters forcing UCS-2: those of the literal text at their position, then those only the
// sample values bring in (the brand name, the payee), once each and without a position.
Problems ucs2_problems(std::string_view text, const TemplateScan& scan,
                       const std::optional<SmsAnalysis>& sample) {
  Problems out;
  std::vector<std::string> seen;
  if (const auto literal = analyze_sms(text)) {
    for (const auto& c : literal->ucs2_characters) {
      seen.push_back(c.character);
      if (in_placeholder(scan, c.byte_offset)) continue;
      out.push_back(
          warning("UCS2_CHARACTER", shown(c.character) + std::string(ucs2_consequence), c.index));
    }
  }
  const std::vector<Ucs2Character> none;
  for (const auto& c : sample ? sample->ucs2_characters : none) {
    if (std::find(seen.begin(), seen.end(), c.character) != seen.end()) continue;
    seen.push_back(c.character);
    out.push_back(warning("UCS2_CHARACTER", shown(c.character) + " in the sample values" +
                                                std::string(ucs2_consequence)));
  }
  if (out.size() > lint_max_ucs2_characters) {
    const std::size_t more = out.size() - lint_max_ucs2_characters;
    out.resize(lint_max_ucs2_characters);
    out.push_back(warning("UCS2_CHARACTER", std::to_string(more) +
                                                " more characters are not in the GSM alphabet "
                                                "either."));
  }
  return out;
}

std::string encoding_note(SmsEncoding e) {
  return e == SmsEncoding::gsm7 ? "GSM-7, 160 characters in a single SMS"
                                : "UCS-2, 70 characters in a single SMS";
}

void check_segments(const SmsAnalysis& a, const Brand& brand, Problems& out) {
  const std::string parts = "With the sample values the SMS is sent in " +
                            std::to_string(a.segments) + " parts (" + encoding_note(a.encoding) +
                            ")";
  if (brand.max_segments && a.segments > *brand.max_segments)
    out.push_back(error("TOO_MANY_SEGMENTS", parts + ", but this brand allows at most " +
                                                 std::to_string(*brand.max_segments) + "."));
  else if (!brand.max_segments && a.segments > 1)
    out.push_back(warning("MULTIPLE_SEGMENTS",
                          parts + ": each part is paid for, and some phones show them late."));
}

void check_autofill(const LintReport& r, const Brand& brand, const TemplateValues& sample,
                    Problems& out) {
  const std::string& sms = r.sample_sms;
  if (!brand.android_app_hash.empty() && !fits_android_retriever(sms, brand.android_app_hash))
    out.push_back(error("ANDROID_TOO_LONG",
                        "With the sample values the SMS has " + std::to_string(sms.size()) +
                            " bytes, but Android fills in the code only from messages of at "
                            "most 140 bytes (letters such as ü take 2)."));
  if (brand.webotp_domain.empty()) return;
  const std::string want =
      webotp_line(brand.webotp_domain, sample.code, brand.webotp_embedded_domain);
  const auto last_break = sms.rfind('\n');
  const std::string_view last =
      std::string_view(sms).substr(last_break == std::string::npos ? 0 : last_break + 1);
  if (last != want)
    out.push_back(error("WEBOTP_LINE_INVALID", "The SMS would not end with the line ‘" + want +
                                                   "’, so browsers could not fill in the code."));
}

// Errors first (each group in the order found), then at most lint_max_problems in all: the last
// one kept says how many more there are, an error if any of those is one.
void cap_problems(Problems& p) {
  std::stable_partition(p.begin(), p.end(),
                        [](const LintProblem& x) { return x.severity == LintSeverity::error; });
  if (p.size() <= lint_max_problems) return;
  const auto cut = p.begin() + static_cast<std::ptrdiff_t>(lint_max_problems - 1);
  const auto more = static_cast<std::size_t>(p.end() - cut);
  const bool errors = cut->severity == LintSeverity::error;
  p.erase(cut, p.end());
  p.push_back({"TOO_MANY_PROBLEMS",
               "There are " + std::to_string(more) + " more problems; fix these first.",
               std::nullopt, errors ? LintSeverity::error : LintSeverity::warning});
}

}  // namespace

std::string_view to_string(LintSeverity s) {
  return s == LintSeverity::error ? "error" : "warning";
}

bool LintReport::ok() const {
  return std::none_of(problems.begin(), problems.end(),
                      [](const LintProblem& p) { return p.severity == LintSeverity::error; });
}

TemplateValues sample_values(const Brand& brand, std::string_view locale,
                             const SampleOrder& order) {
  TemplateValues v;
  const std::string_view chars = alphabet_chars(brand.code.format.alphabet);
  for (int i = 0; i < brand.code.format.length; ++i)
    v.code.push_back(chars[static_cast<std::size_t>(i + 1) % chars.size()]);
  v.brand = brand.display_name;
  // As VerificationService writes it: whole minutes, rounded up.
  v.ttl_minutes = std::to_string((brand.code.ttl.count() + 59'999) / 60'000);
  v.amount = format_amount(order.amount, order.currency, locale);
  v.currency = order.currency;
  v.payee = order.payee;
  v.order_id = order.order_id;
  return v;
}

LintReport lint_template(std::string_view text, std::string_view locale, const Brand& brand,
                         const TemplateValues& sample) {
  LintReport r;
  TemplateScan scan = scan_template(text);
  for (auto& e : scan.errors)
    r.problems.push_back(error(std::move(e.code), std::move(e.message), e.position));
  if (!r.problems.empty() && stops_lint(r.problems.front().code)) return r;
  check_psd2(scan, brand, r.problems);
  check_locale(locale, brand, r.problems);
  check_webotp_in_text(text, brand, r.problems);
  if (scan.parsed) {
    r.sample_sms = compose_sms(scan.parsed->render(sample), sample.code, brand.webotp_domain,
                               brand.webotp_embedded_domain, brand.android_app_hash);
    r.analysis = analyze_sms(r.sample_sms);
    if (r.analysis) check_segments(*r.analysis, brand, r.problems);
    check_autofill(r, brand, sample, r.problems);
  }
  for (auto& p : ucs2_problems(text, scan, r.analysis)) r.problems.push_back(std::move(p));
  r.parsed = std::move(scan.parsed);
  cap_problems(r.problems);
  return r;
}

}  // namespace otpgate
