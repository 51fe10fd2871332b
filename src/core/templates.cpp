#include "otpgate/core/templates.hpp"

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

}  // namespace

std::optional<TemplateVar> template_var_from_name(std::string_view name) {
  for (const auto& [n, var] : names)
    if (n == name) return var;
  return std::nullopt;
}

std::optional<Template> Template::parse(std::string_view text, std::string& error) {
  Template t;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      t.parts_.emplace_back(std::string(text.substr(pos)));
      break;
    }
    if (open > pos) t.parts_.emplace_back(std::string(text.substr(pos, open - pos)));
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      error = "unclosed placeholder at position " + std::to_string(open);
      return std::nullopt;
    }
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const auto var = template_var_from_name(name);
    if (!var) {
      error =
          "unknown placeholder {{" + std::string(name) + "}} at position " + std::to_string(open);
      return std::nullopt;
    }
    t.parts_.emplace_back(*var);
    pos = close + 2;
  }
  if (!t.uses(TemplateVar::code)) {
    error = "the template has no {{code}} placeholder";
    return std::nullopt;
  }
  return t;
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
