// application/x-www-form-urlencoded, both ways: query strings of the API and the bodies and
// queries SMS vendors send and expect. Pure functions, one home for the rule.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// In the given order (RFC 3986 unreserved kept, everything else %XX upper-case).
std::string url_encode(std::string_view s);
std::string form_encode(const FormFields& fields);
// Decodes a query string or form body; '+' is a space. nullopt on a malformed %-escape.
std::optional<FormFields> form_decode(std::string_view body);

}  // namespace otpgate
