#include "otpgate/core/api_keys.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>

namespace otpgate {
namespace {

constexpr std::array<std::string_view, 5> role_names = {"shop", "brand_manager", "support",
                                                        "analyst", "admin"};

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

ApiKey key_from_json(const nlohmann::json& e, const std::vector<std::string>& known_brands,
                     const std::string& where) {
  for (auto it = e.begin(); it != e.end(); ++it)
    if (it.key() != "id" && it.key() != "sha256" && it.key() != "brand" && it.key() != "roles")
      throw std::invalid_argument(where + "/" + it.key() + ": is not a known field");
  ApiKey k;
  if (!e.contains("id") || !e["id"].is_string() || e["id"].get<std::string>().empty())
    throw std::invalid_argument(where + "/id: must be a non-empty string");
  k.id = e["id"].get<std::string>();
  if (!e.contains("brand") || !e["brand"].is_string())
    throw std::invalid_argument(where + "/brand: must be a brand id or \"*\"");
  k.brand = e["brand"].get<std::string>();
  if (k.brand != "*" &&
      std::find(known_brands.begin(), known_brands.end(), k.brand) == known_brands.end())
    throw std::invalid_argument(where + "/brand: unknown brand " + k.brand);
  if (!e.contains("roles") || !e["roles"].is_array() || e["roles"].empty())
    throw std::invalid_argument(where + "/roles: must be a non-empty array");
  for (const auto& r : e["roles"]) {
    const auto role = r.is_string() ? role_from_string(r.get<std::string>()) : std::nullopt;
    if (!role) throw std::invalid_argument(where + "/roles: unknown role " + r.dump());
    k.roles.push_back(*role);
  }
  return k;
}

}  // namespace

std::optional<Role> role_from_string(std::string_view s) {
  for (std::size_t i = 0; i < role_names.size(); ++i)
    if (role_names[i] == s) return static_cast<Role>(i);
  return std::nullopt;
}

std::string_view role_name(Role r) {
  return role_names[static_cast<std::size_t>(r)];
}

bool ApiKey::has_role(Role r) const {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

ApiKeyRegistry ApiKeyRegistry::from_json(const nlohmann::json& doc,
                                         const std::vector<std::string>& known_brands) {
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array() || doc.size() != 1)
    throw std::invalid_argument("/: must be an object with exactly one field, keys (an array)");
  ApiKeyRegistry reg;
  std::set<std::string> ids;  // ids name keys in logs and audit entries: they must be unique
  for (std::size_t i = 0; i < doc["keys"].size(); ++i) {
    const auto& e = doc["keys"][i];
    const std::string where = "/keys/" + std::to_string(i);
    if (!e.is_object()) throw std::invalid_argument(where + ": must be an object");
    const std::string hash =
        e.contains("sha256") && e["sha256"].is_string() ? e["sha256"].get<std::string>() : "";
    if (!is_sha256_hex(hash))
      throw std::invalid_argument(where + "/sha256: must be 64 lower-case hex digits");
    ApiKey k = key_from_json(e, known_brands, where);
    if (!ids.insert(k.id).second) throw std::invalid_argument(where + "/id: duplicate id " + k.id);
    if (!reg.by_hash_.emplace(hash, std::move(k)).second)
      throw std::invalid_argument(where + "/sha256: duplicate key");
  }
  return reg;
}

const ApiKey* ApiKeyRegistry::find(std::string_view sha256_hex) const {
  auto it = by_hash_.find(std::string(sha256_hex));
  return it == by_hash_.end() ? nullptr : &it->second;
}

}  // namespace otpgate
