#include "otpgate/core/sms_text.hpp"

#include "otpgate/core/sms_encoding.hpp"

#include <array>

namespace otpgate {
namespace {

struct Style {
  char decimal;
  char group;
  bool symbol_first;
};

bool german(std::string_view locale) {
  return locale.size() >= 2 && (locale[0] == 'd' || locale[0] == 'D') &&
         (locale[1] == 'e' || locale[1] == 'E') && (locale.size() == 2 || locale[2] == '-');
}

std::string_view symbol_of(std::string_view currency) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> symbols = {
      {{"EUR", "€"}, {"GBP", "£"}, {"USD", "$"}, {"JPY", "¥"}}};
  for (const auto& [code, symbol] : symbols)
    if (code == currency) return symbol;
  return currency;
}

bool zero_decimal(std::string_view currency) {
  return currency == "JPY" || currency == "KRW" || currency == "ISK" || currency == "CLP" ||
         currency == "VND";
}

// "1234" -> "1.234" with the group separator every three digits from the right.
std::string grouped(std::string_view whole, char group) {
  std::string out;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out.push_back(group);
    out.push_back(whole[i]);
  }
  return out;
}

}  // namespace

std::string format_amount(std::string_view amount, std::string_view currency,
                          std::string_view locale) {
  const Style style = german(locale) ? Style{',', '.', false} : Style{'.', ',', true};
  const auto dot = amount.find('.');
  std::string_view whole = amount.substr(0, dot);
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  std::string number = grouped(whole, style.group);
  if (!zero_decimal(currency)) {
    std::string fraction(dot == std::string_view::npos ? "" : amount.substr(dot + 1));
    fraction.resize(2, '0');
    number += style.decimal + fraction;
  }
  if (currency.empty()) return number;
  const std::string_view symbol = symbol_of(currency);
  const bool is_code = symbol == currency;
  if (style.symbol_first) return std::string(symbol) + (is_code ? " " : "") + number;
  return number + " " + std::string(symbol);
}

std::string webotp_line(std::string_view domain, std::string_view code,
                        std::string_view embedded_domain) {
  // append, not "@" + std::string(...): g++ 12 -O3 reports a false -Wrestrict on the latter.
  std::string line;
  line.reserve(domain.size() + code.size() + embedded_domain.size() + 4);
  line.append("@").append(domain).append(" #").append(code);
  if (!embedded_domain.empty()) line.append(" @").append(embedded_domain);
  return line;
}

std::optional<std::size_t> sms_payload_bytes(std::string_view utf8) {
  const auto a = analyze_sms(utf8);
  if (!a) return std::nullopt;
  return a->encoding == SmsEncoding::gsm7 ? (a->units * 7 + 7) / 8 : a->units * 2;
}

bool fits_android_retriever(std::string_view text, std::string_view app_hash) {
  if (app_hash.size() != 11 || text.find(app_hash) == std::string_view::npos) return false;
  const auto bytes = sms_payload_bytes(text);
  return bytes && *bytes <= android_max_bytes;
}

std::string compose_sms(std::string body, std::string_view code, std::string_view webotp_domain,
                        std::string_view webotp_embedded, std::string_view android_app_hash) {
  if (!android_app_hash.empty()) body.append("\n").append(android_app_hash);
  if (!webotp_domain.empty())
    body.append("\n").append(webotp_line(webotp_domain, code, webotp_embedded));
  return body;
}

std::string fill_code(std::string_view text, std::string_view code) {
  constexpr std::string_view placeholder = "{{code}}";
  std::string out;
  out.reserve(text.size() + code.size());
  for (std::size_t at = text.find(placeholder); at != std::string_view::npos;
       at = text.find(placeholder)) {
    out.append(text.substr(0, at)).append(code);
    text.remove_prefix(at + placeholder.size());
  }
  out.append(text);
  return out;
}

}  // namespace otpgate
