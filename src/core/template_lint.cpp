#include "otpgate/core/template_lint.hpp"

#include "otpgate/core/ascii.hpp"
#include "otpgate/core/code.hpp"
#include "otpgate/core/sms_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

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

bool offers(const Brand& brand, std::string_view locale) {
  return std::any_of(brand.locales.begin(), brand.locales.end(),
                     [&](const std::string& l) { return iequals_ascii(l, locale); });
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

// Whitespace as browsers' origin-bound code parsers see it (Chrome's \s: tab, LF, FF, CR, space).
bool parser_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
}

// Byte offsets of every "@host #" the text holds where a browser would read an origin-bound
// code: at the text's start or after whitespace, anywhere in a line. The WICG format puts it
// first on the last line, but Chrome takes the first "@host #code" after any whitespace in the
// whole message, so one earlier in the text would win over the line otpgate appends.
std::vector<std::size_t> origin_bound_tokens(std::string_view text) {
  std::vector<std::size_t> out;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (at > 0 && !parser_space(text[at - 1])) continue;
    std::size_t i = at + 1;
    while (i < text.size() && host_char(text[i])) ++i;
    if (i > at + 1 && text.compare(i, 2, " #") == 0) out.push_back(at);
  }
  return out;
}

std::size_t code_points_before(std::string_view text, std::size_t end) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.begin() + end, [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The origin-bound line names the site browsers fill the code in for, so only the operator's
// brand file (webotp_domain) may give it, whatever the brand's configuration: a template's own
// would let a brand manager send the codes to any site.
void check_webotp_in_text(std::string_view text, const Brand& brand, Problems& out) {
  const std::string why =
      brand.webotp_domain.empty()
          ? "browsers would offer the code to the website it names; otpgate writes that line "
            "itself from the brand's WebOTP domain, and this brand has none, so none may be "
            "written."
          : "browsers would offer the code to the website it names; otpgate writes the line ‘" +
                webotp_line(brand.webotp_domain, "<code>") +
                "’ at the end itself, from the brand's WebOTP domain.";
  for (const std::size_t at : origin_bound_tokens(text)) {
    std::size_t end = at + 1;
    while (end < text.size() && host_char(text[end])) ++end;
    out.push_back(error("WEBOTP_LINE_IN_TEMPLATE",
                        "Remove ‘" + std::string(text.substr(at, end + 2 - at)) + "’: " + why,
                        code_points_before(text, at)));
  }
}

// Characters that corrupt an SMS on its way (C0 controls but LF and CR, DEL, C1 controls) or
// can hide and reorder the text on the phone (Unicode's Bidi_Control marks, embeddings,
// overrides and isolates). Tabs are C0 controls too: GSM has none and phones show them
// differently.
bool control_character(char32_t cp) {
  return (cp < 0x20 && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
         cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// The control characters that steer the text's direction (the others are below U+00A0).
bool direction_mark(char32_t cp) {
  return cp >= 0x0600 && control_character(cp);
}

// Names for the control characters a brand manager may recognise.
std::string_view control_name(char32_t cp) {
  static constexpr std::pair<char32_t, std::string_view> names[] = {
      {0x00, "null"},
      {0x09, "tab"},
      {0x0B, "vertical tab"},
      {0x0C, "form feed"},
      {0x1B, "escape"},
      {0x7F, "delete"},
      {0x061C, "Arabic letter mark"},
      {0x200E, "left-to-right mark"},
      {0x200F, "right-to-left mark"},
      {0x202A, "left-to-right embedding"},
      {0x202B, "right-to-left embedding"},
      {0x202C, "pop directional formatting"},
      {0x202D, "left-to-right override"},
      {0x202E, "right-to-left override"},
      {0x2066, "left-to-right isolate"},
      {0x2067, "right-to-left isolate"},
      {0x2068, "first strong isolate"},
      {0x2069, "pop directional isolate"},
  };
  for (const auto& [c, name] : names)
    if (c == cp) return name;
  return {};
}

std::string code_point_name(char32_t cp) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(cp));
  const std::string_view name = control_name(cp);
  return name.empty() ? std::string(hex) : std::string(hex) + " (" + std::string(name) + ")";
}

// Every control character of the text, placeholders included, at its position; the text is
// valid UTF-8 here (the scan stops otherwise).
void check_controls(std::string_view text, Problems& out) {
  std::size_t index = 0;
  for (std::size_t i = 0; i < text.size(); ++index) {
    const auto cp = next_code_point(text, i);
    if (!cp) return;
    if (!control_character(*cp)) continue;
    out.push_back(error("CONTROL_CHARACTER",
                        direction_mark(*cp)
                            ? "Remove the invisible direction mark " + code_point_name(*cp) +
                                  ": it can hide or reorder the text on the phone."
                            : "Remove the invisible control character " + code_point_name(*cp) +
                                  ": it can corrupt the SMS on its way to the phone.",
                        index));
  }
}

// How a character is named in a message: invisible ones (a no-break space copied from a
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

bool is_control(const std::string& utf8) {
  std::size_t i = 0;
  const auto cp = next_code_point(utf8, i);
  return cp && control_character(*cp);
}

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
      // A control character has its own error (check_controls): one problem per character.
      if (in_placeholder(scan, c.byte_offset) || is_control(c.character)) continue;
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

// Why Android's SMS Retriever would ignore the sample SMS, in a brand manager's words: its
// length in GSM characters (septets) or, once one is outside the GSM alphabet, in characters
// (UTF-16 units), against one SMS.
std::string android_too_long(const LintReport& r) {
  const auto bytes = sms_payload_bytes(r.sample_sms);
  if (!r.analysis || !bytes)
    return "With the sample values the SMS is not valid text, so Android ignores it.";
  if (*bytes <= android_max_bytes)  // the length fits: the brand's hash is what is wrong
    return "The brand's Android app hash is not 11 characters long, so Android ignores the SMS.";
  const std::string length =
      r.analysis->encoding == SmsEncoding::gsm7
          ? std::to_string(r.analysis->units) +
                " GSM characters (€ and the signs ^ { } [ ] ~ | \\ count as two)"
          : std::to_string(r.analysis->units) +
                " characters (an emoji counts as two) and contains characters outside the GSM "
                "alphabet";
  return "With the sample values the SMS has " + length +
         ", but Android fills in the code only from a message that fits one SMS: 160 GSM "
         "characters, or 70 when it contains characters outside the GSM alphabet.";
}

void check_autofill(const LintReport& r, const Brand& brand, const TemplateValues& sample,
                    Problems& out) {
  const std::string& sms = r.sample_sms;
  if (!brand.android_app_hash.empty() && !fits_android_retriever(sms, brand.android_app_hash))
    out.push_back(error("ANDROID_TOO_LONG", android_too_long(r)));
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
                         const TemplateValues& sample, Purpose purpose) {
  const bool checkout = purpose == Purpose::checkout;
  LintReport r;
  TemplateScan scan = scan_template(text);
  for (auto& e : scan.errors)
    r.problems.push_back(error(std::move(e.code), std::move(e.message), e.position));
  if (!r.problems.empty() && stops_lint(r.problems.front().code)) return r;
  if (checkout) check_psd2(scan, brand, r.problems);
  check_locale(locale, brand, r.problems);
  check_webotp_in_text(text, brand, r.problems);
  check_controls(text, r.problems);
  if (scan.parsed) {
    r.sample_sms = checkout
                       ? compose_sms(scan.parsed->render(sample), sample.code, brand.webotp_domain,
                                     brand.webotp_embedded_domain, brand.android_app_hash)
                       : scan.parsed->render(sample);
    r.analysis = analyze_sms(r.sample_sms);
    if (r.analysis) check_segments(*r.analysis, brand, r.problems);
    if (checkout) check_autofill(r, brand, sample, r.problems);
  }
  for (auto& p : ucs2_problems(text, scan, r.analysis)) r.problems.push_back(std::move(p));
  r.parsed = std::move(scan.parsed);
  cap_problems(r.problems);
  return r;
}

bool safe_sms_value(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    const auto cp = next_code_point(utf8, i);
    if (!cp || *cp == '\n' || *cp == '\r' || control_character(*cp)) return false;
  }
  return true;
}

}  // namespace otpgate
