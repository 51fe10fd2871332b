// JSON text parsed the strict way: a key twice in one object is an error, not "the last one
// wins". Two parsers that disagree about such a body (a proxy that reads the first key, a
// service that reads the last) are a classic way around a check.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

struct StrictJson {
  nlohmann::json value;  // discarded when the text is not JSON or has a duplicate key
  // The first key seen twice, as a dotted path ("order.amount"; "" for the empty key).
  std::optional<std::string> duplicate_key;
};

StrictJson parse_strict_json(std::string_view text);

}  // namespace otpgate
