#include "otpgate/gateways/http.hpp"

#include "otpgate/crypto/digest.hpp"

#include <cctype>
#include <ctime>

namespace otpgate::gateways {

std::string basic_auth(std::string_view user, std::string_view password) {
  std::string plain(user);
  plain.push_back(':');
  plain.append(password);
  return "Basic " + crypto::base64_encode(plain);
}

std::optional<milliseconds> parse_retry_after(std::string_view value, std::int64_t now_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  bool digits = true;
  for (char c : value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) {
    if (value.size() > 9) return std::nullopt;
    return milliseconds(std::stoll(std::string(value)) * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  const std::int64_t at_ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  return milliseconds(std::max<std::int64_t>(0, at_ms - now_ms));
}

}  // namespace otpgate::gateways
