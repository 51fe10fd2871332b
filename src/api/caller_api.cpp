#include "otpgate/api/caller_api.hpp"

#include "otpgate/api/errors.hpp"

#include <nlohmann/json.hpp>

namespace otpgate::api {

http::Response key_info_response(const ApiKey& key) {
  nlohmann::json roles = nlohmann::json::array();
  for (Role r : key.roles) roles.push_back(role_name(r));
  return json_response(200, {{"key_id", key.id}, {"brand", key.brand}, {"roles", roles}});
}

http::Response brands_response(const BrandCatalog& brands, const ApiKey& key) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [id, b] : brands) {
    if (!key.covers_brand(id)) continue;
    list.push_back({{"id", id},
                    {"display_name", b.display_name},
                    {"locales", b.locales},
                    {"default_locale", b.default_locale}});
  }
  return json_response(200, {{"brands", list}});
}

}  // namespace otpgate::api
