// Phone number validation with libphonenumber: the PhoneParser port (ports/phone_parser.hpp).
#pragma once

#include "otpgate/ports/phone_parser.hpp"

#include <optional>
#include <string_view>

namespace otpgate::crypto {

using otpgate::LineType;
using otpgate::ParsedPhone;
using otpgate::receives_codes;

// Accepts only strict E.164 input ("+4915112345678": no spaces, no national format) that
// libphonenumber considers a valid number. Thread-safe.
std::optional<ParsedPhone> parse_phone(std::string_view e164);

class LibphonenumberParser final : public PhoneParser {
 public:
  std::optional<ParsedPhone> parse(std::string_view e164) const override {
    return parse_phone(e164);
  }
};

}  // namespace otpgate::crypto
