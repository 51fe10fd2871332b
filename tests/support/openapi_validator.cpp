#include "support/openapi_validator.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <stdexcept>

namespace otpgate::test {
namespace {

using json = nlohmann::json;

// The keywords check() applies, then the annotations it leaves alone (as it does x-...).
const std::set<std::string> keywords = {
    "$ref",        "type",     "enum",      "const",     "properties", "required",
    "items",       "minItems", "maxItems",  "allOf",     "anyOf",      "oneOf",
    "minimum",     "maximum",  "minLength", "maxLength", "pattern",    "additionalProperties",
    "description", "title",    "format",    "examples",  "example",    "default",
    "deprecated",  "readOnly", "writeOnly", "$comment"};
const std::set<std::string> http_methods = {"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};
constexpr int max_ref_depth = 64;

std::string cased(std::string s, bool up) {
  for (auto& c : s) {
    const auto u = static_cast<unsigned char>(c);
    c = static_cast<char>(up ? std::toupper(u) : std::tolower(u));
  }
  return s;
}

// "application/json; charset=utf-8" -> "application/json".
std::string media_type(const std::string& content_type) {
  std::string t = cased(content_type.substr(0, content_type.find(';')), false);
  const auto first = t.find_first_not_of(" \t");
  const auto last = t.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : t.substr(first, last - first + 1);
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t start = 0, slash = 0; slash != std::string::npos; start = slash + 1) {
    slash = path.find('/', start);
    out.push_back(path.substr(start, slash - start));
  }
  return out;
}

bool has_type(const json& v, const std::string& type) {
  if (type != "integer") return type == v.type_name();  // null, boolean, number, string, ...
  const double d = v.is_number() ? v.get<double>() : 0.5;
  return v.is_number_integer() || (v.is_number_float() && std::isfinite(d) && std::floor(d) == d);
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A value for a message: JSON, cut short.
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace

OpenApiValidator::OpenApiValidator(json document) : doc_(std::move(document)) {
  if (!doc_.is_object()) throw std::runtime_error("an OpenAPI document must be a JSON object");
  compile_patterns(doc_);
}

OpenApiValidator OpenApiValidator::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded()) throw std::runtime_error(path + " is not valid JSON");
  return OpenApiValidator(std::move(doc));
}

// OTPGATE_SOURCE_DIR: the repository root, defined for the test support by tests/CMakeLists.txt.
const OpenApiValidator& OpenApiValidator::repository() {
  static const OpenApiValidator v = from_file(OTPGATE_SOURCE_DIR "/docs/openapi.json");
  return v;
}

void OpenApiValidator::compile_patterns(const json& node) {
  if (node.is_object() && node.contains("pattern") && node["pattern"].is_string()) {
    const std::string p = node["pattern"].get<std::string>();
    try {
      patterns_.emplace(p, std::regex(p));
    } catch (const std::regex_error& e) {
      bad_patterns_.push_back("pattern " + p + " does not compile: " + e.what());
    }
  }
  if (node.is_structured())
    for (const auto& child : node) compile_patterns(child);
}

const json* OpenApiValidator::resolve(const std::string& ref) const {
  if (ref.rfind('#', 0) != 0) return nullptr;  // only references into this document
  try {
    const json::json_pointer pointer(ref.substr(1));
    return doc_.contains(pointer) ? &doc_.at(pointer) : nullptr;
  } catch (const json::exception&) {
    return nullptr;  // not a JSON pointer
  }
}

std::vector<std::string> OpenApiValidator::validate(const json& value, const json& schema) const {
  std::vector<std::string> out;
  try {
    check(value, schema, "$", 0, out);
  } catch (const json::exception& e) {
    out.push_back(std::string("a malformed schema: ") + e.what());
  }
  return out;
}

void OpenApiValidator::check(const json& value, const json& schema, const std::string& at,
                             int depth, std::vector<std::string>& out) const {
  if (!schema.is_object()) {
    if (!schema.is_boolean()) out.push_back(at + ": the schema is not an object");
    if (schema.is_boolean() && !schema.get<bool>()) out.push_back(at + ": nothing is allowed");
    return;
  }
  if (depth > max_ref_depth) {
    out.push_back(at + ": $refs nested more than " + std::to_string(max_ref_depth) + " deep");
    return;
  }
  for (auto it = schema.begin(); it != schema.end(); ++it)
    if (!keywords.count(it.key()) && it.key().rfind("x-", 0) != 0)
      out.push_back(at + ": the schema keyword " + it.key() + " is not supported");
  if (schema.contains("$ref")) {
    const json* target = resolve(schema["$ref"].get<std::string>());
    if (!target) out.push_back(at + ": $ref " + schema["$ref"].dump() + " does not resolve");
    if (target) check(value, *target, at, depth + 1, out);
  }
  if (schema.contains("type")) {
    const json& t = schema["type"];
    const auto types = t.is_array() ? t.get<std::vector<std::string>>()
                                    : std::vector<std::string>{t.get<std::string>()};
    if (std::none_of(types.begin(), types.end(), [&](const auto& x) { return has_type(value, x); }))
      out.push_back(at + ": expected " + joined(types, " or ") + ", got " + shown(value));
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
    out.push_back(at + ": " + shown(value) + " is not one of " + shown(schema["enum"]));
  if (schema.contains("const") && value != schema["const"])
    out.push_back(at + ": expected " + shown(schema["const"]) + ", got " + shown(value));
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (schema.contains("minLength") && code_points(s) < schema["minLength"].get<std::size_t>())
      out.push_back(at + ": " + shown(value) + " is shorter than " + schema["minLength"].dump());
    if (schema.contains("maxLength") && code_points(s) > schema["maxLength"].get<std::size_t>())
      out.push_back(at + ": " + shown(value) + " is longer than " + schema["maxLength"].dump());
    if (schema.contains("pattern")) {
      const auto p = patterns_.find(schema["pattern"].get<std::string>());
      if (p == patterns_.end())
        out.push_back(at + ": the pattern " + schema["pattern"].dump() + " is not compiled");
      else if (!std::regex_search(s, p->second))
        out.push_back(at + ": " + shown(value) + " does not match " + schema["pattern"].dump());
    }
  }
  if (value.is_number()) {
    if (schema.contains("minimum") && value.get<double>() < schema["minimum"].get<double>())
      out.push_back(at + ": " + shown(value) + " is less than " + schema["minimum"].dump());
    if (schema.contains("maximum") && value.get<double>() > schema["maximum"].get<double>())
      out.push_back(at + ": " + shown(value) + " is more than " + schema["maximum"].dump());
  }
  if (value.is_object()) {
    for (const auto& name : schema.value("required", json::array()))
      if (!value.contains(name.get<std::string>()))
        out.push_back(at + ": the required property " + name.get<std::string>() + " is missing");
    const json* properties = schema.contains("properties") ? &schema["properties"] : nullptr;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string child = at + "." + it.key();
      if (properties && properties->contains(it.key()))
        check(it.value(), (*properties)[it.key()], child, depth, out);
      else if (schema.contains("additionalProperties")) {
        const json& extra = schema["additionalProperties"];
        if (extra.is_boolean() && !extra.get<bool>())
          out.push_back(at + ": the property " + it.key() + " is not allowed");
        else
          check(it.value(), extra, child, depth, out);
      }
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<std::size_t>())
      out.push_back(at + ": fewer than " + schema["minItems"].dump() + " items");
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<std::size_t>())
      out.push_back(at + ": more than " + schema["maxItems"].dump() + " items");
    if (schema.contains("items"))
      for (std::size_t i = 0; i < value.size(); ++i)
        check(value[i], schema["items"], at + "[" + std::to_string(i) + "]", depth, out);
  }
  if (schema.contains("allOf"))
    for (const auto& sub : schema["allOf"]) check(value, sub, at, depth + 1, out);
  for (const char* keyword : {"anyOf", "oneOf"}) {
    if (!schema.contains(keyword)) continue;
    std::vector<std::string> failures, matched;
    for (std::size_t i = 0; i < schema[keyword].size(); ++i) {
      const json& sub = schema[keyword][i];
      std::vector<std::string> problems;
      check(value, sub, at, depth + 1, problems);
      const std::string name = sub.value("$ref", "#" + std::to_string(i));
      if (problems.empty()) matched.push_back(name);
      if (!problems.empty()) failures.push_back(name + ": " + joined(problems, "; "));
    }
    if (matched.empty())
      out.push_back(at + ": matches none of " + keyword + " [" + joined(failures, " | ") + "]");
    else if (std::string(keyword) == "oneOf" && matched.size() > 1)
      out.push_back(at + ": matches " + joined(matched, ", ") + ": oneOf needs exactly one");
  }
}

OpenApiValidator::PathMatch OpenApiValidator::match_path(const std::string& concrete) const {
  const std::string path = concrete.substr(0, concrete.find_first_of("?#"));
  const auto parts = segments(path);
  PathMatch best;
  long best_literals = -1;
  if (!doc_.contains("paths")) return best;
  const json& paths = doc_["paths"];
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    const auto pattern = segments(it.key());
    if (pattern.size() != parts.size()) continue;
    long literals = 0;
    bool ok = true;
    for (std::size_t i = 0; ok && i < parts.size(); ++i) {
      const bool param =
          pattern[i].size() > 2 && pattern[i].front() == '{' && pattern[i].back() == '}';
      ok = param ? !parts[i].empty() : pattern[i] == parts[i];
      literals += param ? 0 : 1;
    }
    if (ok && literals > best_literals) {
      best = PathMatch{it.key(), &it.value()};
      best_literals = literals;
    }
  }
  return best;
}

std::vector<std::string> OpenApiValidator::validate_response(const std::string& method,
                                                             const std::string& concrete_path,
                                                             int status,
                                                             const std::string& content_type,
                                                             const std::string& body) const {
  const PathMatch match = match_path(concrete_path);
  if (!match.item) return {"no path of the document matches " + concrete_path};
  const std::string where =
      cased(method, true) + " " + match.path + " -> " + std::to_string(status);
  const std::string m = cased(method, false);
  const json* response = nullptr;
  if (!match.item->contains(m) || !http_methods.count(m)) {
    if (status == 405) response = resolve("#/components/responses/MethodNotAllowed");
    if (!response)
      return {where + ": the path documents no " + cased(method, true) +
              " and no MethodNotAllowed"};
  } else {
    static const json none = json::object();
    const json& op = (*match.item)[m];
    const json& responses = op.contains("responses") ? op["responses"] : none;
    const std::string exact = std::to_string(status);  // then its range (4XX), then default
    for (const std::string& key : {exact, exact.substr(0, 1) + "XX", std::string("default")})
      if (!response && responses.contains(key)) response = &responses[key];
    if (!response) {
      std::vector<std::string> listed;
      for (auto it = responses.begin(); it != responses.end(); ++it) listed.push_back(it.key());
      return {where + ": status not documented (documented: " + joined(listed, ", ") + ")"};
    }
  }
  if (response->contains("$ref") && !(response = resolve((*response)["$ref"].get<std::string>())))
    return {where + ": the response's $ref does not resolve"};
  std::vector<std::string> out;
  try {
    check_body(*response, content_type, body, out);
  } catch (const json::exception& e) {
    out.push_back(std::string("a malformed schema or response: ") + e.what());
  }
  for (auto& p : out) p = where + ": " + p;
  return out;
}

void OpenApiValidator::check_body(const json& response, const std::string& content_type,
                                  const std::string& body, std::vector<std::string>& out) const {
  if (!response.contains("content") || response["content"].empty()) {
    if (!body.empty())
      out.push_back("no body is documented, got " + std::to_string(body.size()) + " bytes");
    return;
  }
  const json& content = response["content"];
  const std::string type = media_type(content_type);
  const json* media = nullptr;
  // The exact media type first, then a range (text/*, */*); parameters never matter.
  for (const std::string& wanted :
       {type, type.substr(0, type.find('/')) + "/*", std::string("*/*")})
    for (auto it = content.begin(); !media && it != content.end(); ++it)
      if (media_type(it.key()) == wanted) media = &it.value();
  if (!media) {
    std::vector<std::string> listed;
    for (auto it = content.begin(); it != content.end(); ++it) listed.push_back(it.key());
    out.push_back("Content-Type \"" + content_type +
                  "\" is not documented (documented: " + joined(listed, ", ") + ")");
    return;
  }
  if (!media->contains("schema")) return;
  const bool is_json = type == "application/json" ||
                       (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0);
  // A text body (text/csv, text/plain) is validated as a JSON string.
  const json value = is_json ? json::parse(body, nullptr, false) : json(body);
  if (value.is_discarded())
    out.push_back("the body is not JSON: " + shown(json(body)));
  else
    check(value, (*media)["schema"], "$", 0, out);
}

std::vector<std::string> OpenApiValidator::routes() const {
  std::vector<std::string> out;
  if (!doc_.contains("paths")) return out;
  const json& paths = doc_["paths"];
  for (auto p = paths.begin(); p != paths.end(); ++p)
    for (auto m = p.value().begin(); m != p.value().end(); ++m)
      if (http_methods.count(m.key())) out.push_back(cased(m.key(), true) + " " + p.key());
  std::sort(out.begin(), out.end());
  return out;
}

std::string OpenApiValidator::route_of(const std::string& method,
                                       const std::string& concrete_path) const {
  const PathMatch match = match_path(concrete_path);
  const std::string m = cased(method, false);
  const bool known = match.item && http_methods.count(m) && match.item->contains(m);
  return known ? cased(method, true) + " " + match.path : std::string();
}

void OpenApiValidator::check_schema(const json& schema, const std::string& where,
                                    std::vector<std::string>& out) const {
  if (!schema.is_object()) {
    if (!schema.is_boolean()) out.push_back(where + ": a schema must be an object or a boolean");
    return;
  }
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (!keywords.count(k) && k.rfind("x-", 0) != 0)
      out.push_back(where + ": the schema keyword " + k + " is not supported");
    if (k == "$ref" && (!v.is_string() || !resolve(v.get<std::string>())))
      out.push_back(where + ": $ref " + v.dump() + " does not resolve");
    if (k == "properties")
      for (auto p = v.begin(); p != v.end(); ++p)
        check_schema(p.value(), where + "/properties/" + p.key(), out);
    if (k == "items" || k == "additionalProperties") check_schema(v, where + "/" + k, out);
    if (k == "allOf" || k == "anyOf" || k == "oneOf")
      for (std::size_t i = 0; i < v.size(); ++i)
        check_schema(v[i], where + "/" + k + "/" + std::to_string(i), out);
  }
}

void OpenApiValidator::walk_document(const json& node, const std::string& where,
                                     std::vector<std::string>& out) const {
  if (node.is_array())
    for (std::size_t i = 0; i < node.size(); ++i)
      walk_document(node[i], where + "/" + std::to_string(i), out);
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string at = where + "/" + it.key();
    if (it.key() == "schema") {
      check_schema(it.value(), at, out);
    } else if (it.key() == "schemas" && where == "#/components") {
      for (auto s = it.value().begin(); s != it.value().end(); ++s)
        check_schema(s.value(), at + "/" + s.key(), out);
    } else if (it.key() == "$ref" && it.value().is_string() &&
               !resolve(it.value().get<std::string>())) {
      out.push_back(at + ": $ref " + it.value().get<std::string>() + " does not resolve");
    } else {
      walk_document(it.value(), at, out);
    }
  }
}

std::vector<std::string> OpenApiValidator::document_problems() const {
  std::vector<std::string> out = bad_patterns_;
  if (!doc_.contains("paths") || !doc_["paths"].is_object()) out.push_back("no paths object");
  walk_document(doc_, "#", out);
  return out;
}

}  // namespace otpgate::test
