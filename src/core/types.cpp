#include "otpgate/core/types.hpp"

#include "otpgate/core/base32.hpp"

namespace otpgate {

std::optional<BrandId> BrandId::parse(std::string_view text) {
  if (text.size() < 2 || text.size() > 32) return std::nullopt;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return std::nullopt;
  if (text.front() == '-' || text.back() == '-') return std::nullopt;
  return BrandId(std::string(text));
}

std::optional<PhoneNumber> PhoneNumber::parse_e164(std::string_view text) {
  // ITU-T E.164: at most 15 digits including the country code; no country code starts with 0.
  if (text.size() < 9 || text.size() > 16 || text[0] != '+' || text[1] == '0') return std::nullopt;
  for (char c : text.substr(1))
    if (c < '0' || c > '9') return std::nullopt;
  return PhoneNumber(std::string(text));
}

std::string PhoneNumber::masked() const {
  if (value_.empty()) return {};
  // Keep "+" and the first 5 digits (country code and operator prefix) and the last 3 digits;
  // shorter numbers keep fewer leading digits so at least 3 are always masked.
  const std::size_t digits = value_.size() - 1;
  const std::size_t tail = 3;
  const std::size_t head = digits >= 11 ? 5 : digits - tail - 3;
  std::string out = value_.substr(0, 1 + head);
  out.append(digits - head - tail, '*');
  out.append(value_.substr(value_.size() - tail));
  return out;
}

std::string_view to_string(Purpose p) {
  return p == Purpose::support_call ? "support_call" : "checkout";
}

std::optional<Purpose> purpose_from_string(std::string_view s) {
  if (s == "checkout") return Purpose::checkout;
  if (s == "support_call") return Purpose::support_call;
  return std::nullopt;
}

std::optional<VerificationId> VerificationId::parse(std::string_view text) {
  if (text.size() != 3 + tag_length + 26) return std::nullopt;
  if (text.substr(0, 3) != "vf_" && text.substr(0, 3) != "sc_") return std::nullopt;
  if (!is_base32_lower(text.substr(3))) return std::nullopt;
  return VerificationId(std::string(text));
}

VerificationId VerificationId::make(std::string_view tag, std::string_view random_part,
                                    Purpose purpose) {
  std::string v = purpose == Purpose::support_call ? "sc_" : "vf_";
  v.append(tag.substr(0, tag_length));
  v.append(random_part.substr(0, 26));
  return VerificationId(std::move(v));
}

}  // namespace otpgate
