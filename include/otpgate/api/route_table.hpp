// otpgate's routes, in one list. Dispatch (Router), the access log's and the metrics' route
// names, the role checks, the role-matrix test and the contracts all read it; a route exists
// when it is here. Each route names its contract: the native API's document (docs/openapi.json)
// or the vendored CAMARA definition (specs/camara/...), each compared with this list both ways
// by tests/e2e/openapi_test.cpp.
#pragma once

#include "otpgate/core/api_keys.hpp"

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate::api {

// Which handler serves a route; a handler may serve several (GET and POST of a report).
enum class Handler {
  healthz,
  readyz,
  openapi,
  metrics,
  console_redirect,  // GET /console: 308 to /console/
  console_file,      // GET /console/, /console/{file}, /console/assets/{asset}
  me,                // GET /v1/me: the calling key's id, brand and roles
  list_brands,       // GET /v1/brands: the brands the calling key may act for
  create_verification,
  get_verification,
  check_verification,
  resend_verification,
  cancel_verification,
  delivery_report,
  list_templates,
  get_template,
  put_template,
  preview_template,
  template_versions,
  rollback_template,
  get_subscriber,
  unlock_subscriber,
  audit_log,
  brand_stats,
  brand_alerts,
  market_stats,
  camara_send_code,      // POST /one-time-password-sms/v1/send-code (api/camara_otp.hpp)
  camara_validate_code,  // POST /one-time-password-sms/v1/validate-code
};

// The document a route is specified by: docs/openapi.json, or CAMARA one-time-password-sms
// 1.1.1 (specs/camara/one-time-password-sms/code/API_definitions/one-time-password-sms.yaml,
// whose paths are below camara_otp_base), which also rules its x-correlator and error bodies.
enum class Contract { native, camara_otp };
inline constexpr std::string_view camara_otp_base = "/one-time-password-sms/v1";

// How a caller is recognised: not at all, by the SMS vendor's signature (checked by the
// handler), or by an API key (checked before the handler, with the route's roles).
enum class Access { open, vendor_signature, api_key };

// A set of roles as bits: a constexpr table needs no allocation.
class Roles {
 public:
  constexpr Roles() = default;
  constexpr Roles(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= bit(r);
  }
  constexpr bool contains(Role r) const { return (bits_ & bit(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  bool admits(const ApiKey& key) const;
  std::vector<Role> list() const;

 private:
  static constexpr unsigned bit(Role r) { return 1U << static_cast<unsigned>(r); }
  unsigned bits_ = 0;
};

struct Route {
  std::string_view method;     // GET routes also answer HEAD
  std::string_view path;       // "/v1/verifications/{id}/check": {name} is one path segment
  std::string_view operation;  // the OpenAPI operationId
  Handler handler;
  Access access = Access::api_key;
  Roles roles;                  // api_key: the key needs one of them
  bool all_brands_key = false;  // api_key: only a key for every brand ("*")
  std::string_view denied;      // the 403 message for a key with none of the roles
  // api_key: never a key for every brand ("*"); the route acts for the key's one brand and has
  // no way to name another.
  bool one_brand_key = false;
  Contract contract = Contract::native;
};

std::span<const Route> routes();

struct RouteMatch {
  const Route* route = nullptr;  // the route for this method and path, if any
  // The template of the path when some route has it (also for a 405), else "{unmatched}": the
  // name for the access log and the metrics (never the concrete path, which may hold a phone).
  std::string_view name = "{unmatched}";
  std::string allow;  // route == nullptr, path known: its methods ("GET, HEAD, PUT")
  std::vector<std::pair<std::string_view, std::string_view>> params;  // {brand} -> "nordwind"

  std::string_view param(std::string_view key) const;
};

RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace otpgate::api
