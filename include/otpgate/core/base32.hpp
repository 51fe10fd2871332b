// RFC 4648 base32 in lower case without padding: ids and hash tags (URL- and key-safe).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace otpgate {

std::string base32_lower(std::span<const std::uint8_t> bytes);
bool is_base32_lower(std::string_view text);

}  // namespace otpgate
