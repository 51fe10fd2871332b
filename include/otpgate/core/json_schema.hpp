// A validator for the subset of JSON Schema (draft 2020-12) that brands/schema.json uses:
// type, required, properties, additionalProperties: false, enum, minimum, maximum, minLength,
// maxLength, pattern, items, minItems, maxItems, uniqueItems. Unsupported keywords in a schema
// are refused, so the schema file cannot silently promise more than is checked.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace otpgate {

struct SchemaViolation {
  std::string pointer;  // JSON pointer of the offending field, e.g. "/code/length"
  std::string reason;   // e.g. "must be at most 10"
};

// Throws std::invalid_argument when the schema itself uses an unsupported keyword.
std::optional<SchemaViolation> validate_against_schema(const nlohmann::json& schema,
                                                       const nlohmann::json& value);

}  // namespace otpgate
