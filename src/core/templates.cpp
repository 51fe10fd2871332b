#include "otpgate/core/templates.hpp"

#include "otpgate/core/sms_encoding.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace otpgate {
namespace {

constexpr std::array<std::pair<std::string_view, TemplateVar>, 7> names = {{
    {"code", TemplateVar::code},
    {"brand", TemplateVar::brand},
    {"ttl_minutes", TemplateVar::ttl_minutes},
    {"amount", TemplateVar::amount},
    {"currency", TemplateVar::currency},
    {"payee", TemplateVar::payee},
    {"order_id", TemplateVar::order_id},
}};

const std::string& value_of(const TemplateValues& v, TemplateVar var) {
  switch (var) {
    case TemplateVar::code:
      return v.code;
    case TemplateVar::brand:
      return v.brand;
    case TemplateVar::ttl_minutes:
      return v.ttl_minutes;
    case TemplateVar::amount:
      return v.amount;
    case TemplateVar::currency:
      return v.currency;
    case TemplateVar::payee:
      return v.payee;
    case TemplateVar::order_id:
      return v.order_id;
  }
  return v.code;
}

bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '_'; });
}

std::string_view trim_blanks(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// The identifier at the start of s, after blanks ("code" of " code} more").
std::string_view leading_name(std::string_view s) {
  s.remove_prefix(std::min(s.find_first_not_of(" \t"), s.size()));
  std::size_t n = 0;
  while (n < s.size() && (alnum(s[n]) || s[n] == '_')) ++n;
  return s.substr(0, n);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "{{code}}, {{brand}}, ... and {{order_id}}"
std::string known_placeholders() {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += "{{" + std::string(names[i].first) + "}}";
  }
  return out;
}

// Code points in the first `end` bytes of valid UTF-8 (continuation bytes are 10xxxxxx).
std::size_t code_points_before(std::string_view text, std::size_t end) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < end; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++n;
  return n;
}

// A problem with the text as a whole that stops the scan: nothing after it would be reliable.
std::optional<TemplateSyntaxError> whole_text_error(std::string_view text) {
  if (text.size() > max_template_bytes)
    return TemplateSyntaxError{"TEMPLATE_TOO_LONG",
                               "The text is too long: it has " + std::to_string(text.size()) +
                                   " bytes and may have at most " +
                                   std::to_string(max_template_bytes) +
                                   " (letters such as ü or € take 2 or 3 bytes).",
                               std::nullopt};
  if (text.empty())
    return TemplateSyntaxError{"TEMPLATE_EMPTY",
                               "The text is empty, so there is no {{code}} placeholder to show the "
                               "code.",
                               std::nullopt};
  std::size_t decoded = 0;
  for (std::size_t i = 0; i < text.size(); ++decoded)
    if (!next_code_point(text, i))
      return TemplateSyntaxError{"INVALID_UTF8",
                                 "The text is damaged here (it is not valid UTF-8): retype this "
                                 "character or save the text as UTF-8.",
                                 decoded};
  return std::nullopt;
}

const std::string unclosed_message =
    "The text has an unclosed placeholder here: write it with two braces on each side, like "
    "{{code}}.";

// One pass over valid UTF-8 text: literal parts, placeholders and every problem, in text order.
// Braces are ASCII, so scanning bytes never splits a character.
class Scanner {
 public:
  using Parts = std::vector<std::variant<std::string, TemplateVar>>;
  Scanner(std::string_view text, TemplateScan& scan) : text_(text), scan_(scan) {}

  Parts run() {
    std::size_t i = 0;
    std::size_t literal_from = 0;
    while (i < text_.size()) {
      if (text_.compare(i, 2, "{{") == 0) {
        add_literal(literal_from, i);
        i = placeholder(i);
        literal_from = i;
      } else if (text_.compare(i, 2, "}}") == 0) {
        error("STRAY_CLOSING_BRACES",
              "These closing braces }} have no opening {{: remove them, or write a placeholder "
              "like {{code}}.",
              i);
        i += 2;
      } else {
        ++i;
      }
    }
    add_literal(literal_from, text_.size());
    if (!scan_.names(TemplateVar::code))
      scan_.errors.push_back({"MISSING_CODE",
                              "The text has no {{code}} placeholder, so the customer would not "
                              "see the code.",
                              std::nullopt});
    return std::move(parts_);
  }

 private:
  // The placeholder opening at `open`; returns the byte after it. It ends at the first "}}" on
  // its line, unless another "{{" comes first.
  std::size_t placeholder(std::size_t open) {
    const std::size_t close = text_.find("}}", open + 2);
    const std::size_t stop = std::min(text_.find("{{", open + 2), text_.find('\n', open + 2));
    if (close == std::string_view::npos || stop < close) {
      scan_.placeholders.emplace_back(open, open + 2);
      error("MALFORMED_PLACEHOLDER", unclosed_message, open);
      // "{{code}" still names code: MISSING_CODE on top would only repeat the problem.
      if (const auto var = template_var_from_name(leading_name(text_.substr(open + 2))))
        scan_.named.push_back(*var);
      return open + 2;
    }
    scan_.placeholders.emplace_back(open, close + 2);
    classify(open, text_.substr(open + 2, close - open - 2));
    return close + 2;
  }

  void classify(std::size_t open, std::string_view content) {
    const std::string_view name = trim_blanks(content);
    const auto var = template_var_from_name(name);
    if (content.find_first_of("{}") != std::string_view::npos) {
      std::string_view rest = content;  // "{code" of "{{{code}}}", "code} x " of "{{code} x }}"
      rest.remove_prefix(std::min(rest.find_first_not_of("{ \t"), rest.size()));
      if (const auto named = template_var_from_name(leading_name(rest)))
        scan_.named.push_back(*named);
      error("MALFORMED_PLACEHOLDER", unclosed_message, open);
    } else if (name.empty()) {
      error("MALFORMED_PLACEHOLDER",
            "This placeholder is empty: write a name between the braces, like {{code}}.", open);
    } else if (name.size() != content.size() && identifier(name)) {
      if (var) scan_.named.push_back(*var);
      const std::string example = var ? "{{" + std::string(name) + "}}" : "{{code}}";
      error("MALFORMED_PLACEHOLDER",
            "Write placeholders without spaces inside the braces, like " + example + ".", open);
    } else if (!var) {
      error("UNKNOWN_VARIABLE", unknown_message(name), open);
    } else {
      scan_.named.push_back(*var);
      parts_.emplace_back(*var);
    }
  }

  static std::string unknown_message(std::string_view name) {
    const std::string shown = "The text has an unknown placeholder {{" + std::string(name) + "}}";
    if (template_var_from_name(lower(name)))
      return shown + ": names are written in lower case, like {{" + lower(name) + "}}.";
    return shown + ": use one of " + known_placeholders() + ".";
  }

  void add_literal(std::size_t from, std::size_t to) {
    if (to > from) parts_.emplace_back(std::string(text_.substr(from, to - from)));
  }

  void error(std::string code, std::string message, std::size_t byte) {
    scan_.errors.push_back({std::move(code), std::move(message), code_points_before(text_, byte)});
  }

  std::string_view text_;
  TemplateScan& scan_;
  Parts parts_;
};

}  // namespace

std::optional<TemplateVar> template_var_from_name(std::string_view name) {
  for (const auto& [n, var] : names)
    if (n == name) return var;
  return std::nullopt;
}

std::optional<Template> Template::parse(std::string_view text, std::string& error) {
  TemplateScan scan = scan_template(text);
  if (scan.errors.empty()) return std::move(scan.parsed);
  const TemplateSyntaxError& first = scan.errors.front();
  error = first.position ? "position " + std::to_string(*first.position) + ": " + first.message
                         : first.message;
  return std::nullopt;
}

bool TemplateScan::names(TemplateVar var) const {
  return std::find(named.begin(), named.end(), var) != named.end();
}

TemplateScan scan_template(std::string_view text) {
  TemplateScan scan;
  if (auto stop = whole_text_error(text)) {
    scan.errors.push_back(std::move(*stop));
    return scan;
  }
  Scanner scanner(text, scan);
  auto parts = scanner.run();
  if (scan.errors.empty()) {
    scan.parsed.emplace();
    scan.parsed->parts_ = std::move(parts);
    scan.parsed->text_ = std::string(text);
  }
  return scan;
}

std::string Template::render(const TemplateValues& values) const {
  std::string out;
  out.reserve(160);
  for (const auto& part : parts_) {
    if (const auto* literal = std::get_if<std::string>(&part))
      out += *literal;
    else
      out += value_of(values, std::get<TemplateVar>(part));
  }
  return out;
}

bool Template::uses(TemplateVar var) const {
  return std::any_of(parts_.begin(), parts_.end(), [var](const auto& p) {
    const auto* v = std::get_if<TemplateVar>(&p);
    return v && *v == var;
  });
}

std::vector<std::string> locale_candidates(std::string_view requested,
                                           std::string_view brand_default) {
  std::vector<std::string> out;
  auto add = [&](std::string_view l) {
    if (!l.empty() && std::find(out.begin(), out.end(), l) == out.end()) out.emplace_back(l);
  };
  std::string_view r = requested;
  while (!r.empty()) {
    add(r);
    const std::size_t dash = r.rfind('-');
    r = dash == std::string_view::npos ? std::string_view() : r.substr(0, dash);
  }
  add(brand_default);
  add("en");
  return out;
}

bool is_bcp47(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  std::size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    const std::size_t dash = std::min(tag.find('-', start), tag.size());
    const std::string_view sub = tag.substr(start, dash - start);
    if (first) {
      if (sub.size() < 2 || sub.size() > 3) return false;
      for (char c : sub)
        if (!std::isalpha(static_cast<unsigned char>(c))) return false;
    } else if (sub.empty() || sub.size() > 8 || !std::all_of(sub.begin(), sub.end(), alnum)) {
      return false;
    }
    first = false;
    start = dash + 1;
  }
  return true;
}

}  // namespace otpgate
