// OpenApiValidator::validate_request: the requests a fake of an API otpgate calls received,
// checked against that API's document (the same schema rules as the answers).
#include "support/openapi_validator.hpp"

#include <algorithm>
#include <cctype>

namespace otpgate::test {
namespace {

using json = nlohmann::json;

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string media_type_of(const std::string& content_type) {
  std::string t = lowered(content_type.substr(0, content_type.find(';')));
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  return t;
}

}  // namespace

std::vector<std::string> OpenApiValidator::validate_request(const std::string& method,
                                                            const std::string& path,
                                                            const std::string& content_type,
                                                            const std::string& body) const {
  const std::string where = method + " " + path;
  const PathMatch match = match_path(path);
  const std::string m = lowered(method);
  if (!match.item || !match.item->contains(m)) return {where + ": not an operation of the API"};
  const json& op = (*match.item)[m];
  if (!op.contains("requestBody")) {
    if (body.empty()) return {};
    return {where + ": the operation takes no body"};
  }
  const json* request = &op["requestBody"];
  if (request->contains("$ref")) request = resolve((*request)["$ref"].get<std::string>());
  if (!request) return {where + ": its requestBody $ref does not resolve"};
  if (body.empty())
    return request->value("required", false) ? std::vector<std::string>{where + ": no body"}
                                             : std::vector<std::string>{};
  const std::string type = media_type_of(content_type);
  const json content = request->value("content", json::object());
  if (!content.contains(type)) return {where + ": the content type " + type + " is not listed"};
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return {where + ": the body is not JSON"};
  std::vector<std::string> out;
  for (auto& p : validate(parsed, content[type].value("schema", json::object())))
    out.push_back(where + ": " + p);
  return out;
}

}  // namespace otpgate::test
