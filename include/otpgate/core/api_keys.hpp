// API keys: stored only as SHA-256 hashes, each bound to one brand (or "*") and to roles.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace otpgate {

enum class Role { shop, brand_manager, support, analyst, admin };

std::optional<Role> role_from_string(std::string_view s);
// The role's name as in the keys file and the API ("brand_manager").
std::string_view role_name(Role r);

struct ApiKey {
  std::string id;     // a name for logs and audit entries; never the key
  std::string brand;  // a brand id, or "*" for all brands
  std::vector<Role> roles;

  bool has_role(Role r) const;
  bool covers_brand(std::string_view b) const { return brand == "*" || brand == b; }
};

class ApiKeyRegistry {
 public:
  // Parses {"keys":[{"id","sha256","brand","roles"}]}. Throws std::invalid_argument naming the
  // entry and field on any problem (unknown field, bad hash, unknown role, duplicate).
  static ApiKeyRegistry from_json(const nlohmann::json& doc,
                                  const std::vector<std::string>& known_brands);
  // Looks a key up by the lower-case hex SHA-256 of the presented key.
  const ApiKey* find(std::string_view sha256_hex) const;
  std::size_t size() const { return by_hash_.size(); }

 private:
  std::unordered_map<std::string, ApiKey> by_hash_;
};

}  // namespace otpgate
