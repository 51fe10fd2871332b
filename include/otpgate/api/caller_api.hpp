// What a key may learn about itself, for clients such as the web console that adapt to the key
// they were given: GET /v1/me (its id, brand and roles) and GET /v1/brands (the brands it may act
// for). Any valid key, any role; never the key or its hash.
#pragma once

#include "otpgate/core/api_keys.hpp"
#include "otpgate/core/brand.hpp"
#include "otpgate/http/message.hpp"

namespace otpgate::api {

// {"key_id", "brand" (an id or "*"), "roles": [...]}.
http::Response key_info_response(const ApiKey& key);

// {"brands": [{"id", "display_name", "locales", "default_locale"}]}, by id: every brand in
// effect for a "*" key, only its own for a key bound to one brand.
http::Response brands_response(const BrandCatalog& brands, const ApiKey& key);

}  // namespace otpgate::api
