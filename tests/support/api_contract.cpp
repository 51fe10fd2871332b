#include "support/api_contract.hpp"

#include "support/openapi_validator.hpp"

#include "otpgate/api/route_table.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

namespace otpgate::test::contract {
namespace {

std::mutex watched_mutex;
std::map<unsigned short, std::vector<std::string>> watched;  // port -> problems seen

// "http://127.0.0.1:8080/v1/x?y" -> {8080, "/v1/x?y"}; port 0 when the URL has none.
std::pair<unsigned short, std::string> port_and_target(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {0, ""};
  const auto slash = url.find('/', scheme + 3);
  const std::string authority = url.substr(scheme + 3, slash - scheme - 3);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) return {0, ""};
  const unsigned long port = std::stoul(authority.substr(colon + 1));
  return {static_cast<unsigned short>(port),
          slash == std::string::npos ? std::string("/") : url.substr(slash)};
}

std::vector<std::string> check(const std::string& method, const std::string& target, long status,
                               const std::string& content_type, const std::string& body) {
  const OpenApiValidator& doc = OpenApiValidator::repository();
  const std::string path = target.substr(0, target.find('?'));
  // A route of another contract (CAMARA's, specs/camara/...): its answers are checked against
  // that definition by the behave run (tests/camara), not against docs/openapi.json.
  const auto route = otpgate::api::match_route(method, path);
  if (route.route && route.route->contract != otpgate::api::Contract::native) return {};
  if (!doc.route_of(method, path).empty() || status != 404)
    return doc.validate_response(method, target, static_cast<int>(status), content_type, body);
  // A path the document does not have: the plain 404 every unknown route gets.
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return {"404 for an unknown path with a body that is not JSON"};
  return doc.validate(parsed, {{"$ref", "#/components/schemas/NotFoundError"}});
}

}  // namespace

void watch(unsigned short port) {
  std::lock_guard lock(watched_mutex);
  watched[port];  // a restart on the same port keeps what was seen before
}

std::vector<std::string> unwatch(unsigned short port) {
  std::lock_guard lock(watched_mutex);
  const auto it = watched.find(port);
  if (it == watched.end()) return {};
  std::vector<std::string> problems = std::move(it->second);
  watched.erase(it);
  return problems;
}

void observe(const std::string& method, const std::string& url, long status,
             const std::string& content_type, const std::string& body) {
  // HEAD is GET without a body: the document lists GET only.
  if (status == 0 || method == "HEAD") return;
  const auto [port, target] = port_and_target(url);
  {
    std::lock_guard lock(watched_mutex);
    if (!watched.count(port)) return;
  }
  const auto found = check(method, target, status, content_type, body);
  if (found.empty()) return;
  std::lock_guard lock(watched_mutex);
  const auto it = watched.find(port);
  if (it == watched.end()) return;
  for (const auto& problem : found)
    it->second.push_back(method + " " + target.substr(0, target.find('?')) + " -> " +
                         std::to_string(status) + ": " + problem);
}

}  // namespace otpgate::test::contract
