#include "otpgate/core/json_schema.hpp"

#include <regex>
#include <set>
#include <stdexcept>

namespace otpgate {
namespace {

using json = nlohmann::json;
using violation = std::optional<SchemaViolation>;

const std::set<std::string> supported = {
    "$schema",   "$id",         "title",      "description",
    "type",      "required",    "properties", "additionalProperties",
    "enum",      "minimum",     "maximum",    "minLength",
    "maxLength", "pattern",     "items",      "minItems",
    "maxItems",  "uniqueItems", "default",    "examples",
    "$comment"};

bool has_type(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "null") return v.is_null();
  throw std::invalid_argument("schema: unknown type " + type);
}

std::string type_list(const json& t) {
  return t.is_string() ? t.get<std::string>() : t.dump();
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0U) != 0x80U;
  return n;
}

violation validate(const json& schema, const json& v, const std::string& at);

violation check_object(const json& schema, const json& v, const std::string& at) {
  if (auto req = schema.find("required"); req != schema.end())
    for (const auto& name : *req)
      if (!v.contains(name.get<std::string>()))
        return SchemaViolation{at + "/" + name.get<std::string>(), "is required"};
  const json props = schema.value("properties", json::object());
  const bool closed =
      schema.contains("additionalProperties") && schema["additionalProperties"] == false;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string child = at + "/" + it.key();
    if (auto p = props.find(it.key()); p != props.end()) {
      if (auto bad = validate(*p, it.value(), child)) return bad;
    } else if (closed) {
      return SchemaViolation{child, "is not a known field"};
    }
  }
  return std::nullopt;
}

violation check_array(const json& schema, const json& v, const std::string& at) {
  if (schema.contains("minItems") && v.size() < schema["minItems"].get<std::size_t>())
    return SchemaViolation{at, "must have at least " + schema["minItems"].dump() + " items"};
  if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<std::size_t>())
    return SchemaViolation{at, "must have at most " + schema["maxItems"].dump() + " items"};
  if (schema.value("uniqueItems", false)) {
    std::set<std::string> seen;
    for (const auto& item : v)
      if (!seen.insert(item.dump()).second)
        return SchemaViolation{at, "has the duplicate item " + item.dump()};
  }
  if (auto items = schema.find("items"); items != schema.end())
    for (std::size_t i = 0; i < v.size(); ++i)
      if (auto bad = validate(*items, v[i], at + "/" + std::to_string(i))) return bad;
  return std::nullopt;
}

violation check_scalar(const json& schema, const json& v, const std::string& at) {
  if (v.is_number()) {
    if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>())
      return SchemaViolation{at, "must be at least " + schema["minimum"].dump()};
    if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>())
      return SchemaViolation{at, "must be at most " + schema["maximum"].dump()};
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (schema.contains("minLength") && utf8_length(s) < schema["minLength"].get<std::size_t>())
      return SchemaViolation{at, "must be at least " + schema["minLength"].dump() + " characters"};
    if (schema.contains("maxLength") && utf8_length(s) > schema["maxLength"].get<std::size_t>())
      return SchemaViolation{at, "must be at most " + schema["maxLength"].dump() + " characters"};
    if (schema.contains("pattern") &&
        !std::regex_search(s, std::regex(schema["pattern"].get<std::string>())))
      return SchemaViolation{at, "must match " + schema["pattern"].get<std::string>()};
  }
  return std::nullopt;
}

// Checks the whole schema once, before any value: an unsupported keyword is refused even under
// a property the value does not have.
void check_keywords(const json& schema, const std::string& at) {
  for (auto it = schema.begin(); it != schema.end(); ++it)
    if (!supported.count(it.key()))
      throw std::invalid_argument("schema: unsupported keyword " + it.key() + " at " + at);
  if (auto props = schema.find("properties"); props != schema.end())
    for (auto it = props->begin(); it != props->end(); ++it)
      check_keywords(*it, at + "/properties/" + it.key());
  if (auto items = schema.find("items"); items != schema.end())
    check_keywords(*items, at + "/items");
}

violation validate(const json& schema, const json& v, const std::string& at) {
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    if (t->is_string())
      ok = has_type(v, t->get<std::string>());
    else
      for (const auto& one : *t) ok = ok || has_type(v, one.get<std::string>());
    if (!ok) return SchemaViolation{at.empty() ? "/" : at, "must be of type " + type_list(*t)};
  }
  if (auto e = schema.find("enum"); e != schema.end()) {
    bool found = false;
    for (const auto& option : *e) found = found || option == v;
    if (!found) return SchemaViolation{at, "must be one of " + e->dump()};
  }
  if (v.is_object()) return check_object(schema, v, at);
  if (v.is_array()) return check_array(schema, v, at);
  return check_scalar(schema, v, at);
}

}  // namespace

std::optional<SchemaViolation> validate_against_schema(const json& schema, const json& value) {
  check_keywords(schema, "");
  return validate(schema, value, "");
}

}  // namespace otpgate
