// Port: phone number validation against the numbering plans: E.164 shape, validity for the
// country's plan, the country and the line type. Production: crypto/phone_parser.hpp
// (libphonenumber).
#pragma once

#include "otpgate/core/line_type.hpp"
#include "otpgate/core/types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

struct ParsedPhone {
  PhoneNumber number;
  std::string country;  // ISO 3166-1 alpha-2, e.g. "DE"
  LineType line_type = LineType::unknown;
};

class PhoneParser {
 public:
  virtual ~PhoneParser() = default;
  // Accepts only strict E.164 input ("+4915112345678": no spaces, no national format) that the
  // numbering plan considers a valid number. Thread-safe.
  virtual std::optional<ParsedPhone> parse(std::string_view e164) const = 0;
};

}  // namespace otpgate
