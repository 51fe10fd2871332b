#include "otpgate/api/route_table.hpp"

#include <array>

namespace otpgate::api {
namespace {

using enum Role;

constexpr std::string_view verifications_denied =
    "Verifications need an API key with the shop or support role.";
constexpr std::string_view templates_denied =
    "Templates need an API key with the brand_manager role.";
constexpr std::string_view subscribers_denied =
    "Subscribers need an API key with the support role.";
constexpr std::string_view stats_denied =
    "Statistics need an API key with the analyst or admin role.";

// Every role: the routes that tell a key about itself.
constexpr Roles any_role = {shop, brand_manager, support, analyst, admin};

constexpr Route unauthenticated(std::string_view method, std::string_view path,
                                std::string_view operation, Handler handler) {
  return Route{method, path, operation, handler, Access::open};
}

constexpr Route keyed(std::string_view method, std::string_view path, std::string_view operation,
                      Handler handler, Roles roles, std::string_view denied) {
  return Route{method, path, operation, handler, Access::api_key, roles, false, denied};
}

// A CAMARA one-time-password-sms operation: a shop key of one brand (docs/camara.md).
constexpr Route camara_otp(std::string_view path, std::string_view operation, Handler handler) {
  return Route{"POST",
               path,
               operation,
               handler,
               Access::api_key,
               {shop},
               false,
               "The one-time-password-sms API needs an API key with the shop role.",
               true,
               Contract::camara_otp};
}

constexpr std::string_view tpl = "/v1/brands/{brand}/templates/{locale}";

constexpr auto table = std::to_array<Route>({
    unauthenticated("GET", "/healthz", "getHealth", Handler::healthz),
    unauthenticated("GET", "/readyz", "getReadiness", Handler::readyz),
    unauthenticated("GET", "/openapi.json", "getOpenApiDocument", Handler::openapi),
    unauthenticated("GET", "/metrics", "getMetrics", Handler::metrics),
    // The web console's static files (console/console_files.hpp): index.html and other top-level
    // files, and the bundler's hashed assets.
    unauthenticated("GET", "/console", "redirectToConsole", Handler::console_redirect),
    unauthenticated("GET", "/console/", "getConsoleIndex", Handler::console_file),
    unauthenticated("GET", "/console/{file}", "getConsoleFile", Handler::console_file),
    unauthenticated("GET", "/console/assets/{asset}", "getConsoleAsset", Handler::console_file),
    keyed("GET", "/v1/me", "getCurrentKey", Handler::me, any_role, ""),
    keyed("GET", "/v1/brands", "listBrands", Handler::list_brands, any_role, ""),
    keyed("POST", "/v1/verifications", "createVerification", Handler::create_verification,
          {shop, support}, verifications_denied),
    keyed("GET", "/v1/verifications/{id}", "getVerification", Handler::get_verification,
          {shop, support}, verifications_denied),
    keyed("POST", "/v1/verifications/{id}/check", "checkVerification", Handler::check_verification,
          {shop, support}, verifications_denied),
    keyed("POST", "/v1/verifications/{id}/resend", "resendVerification",
          Handler::resend_verification, {shop, support}, verifications_denied),
    keyed("POST", "/v1/verifications/{id}/cancel", "cancelVerification",
          Handler::cancel_verification, {shop, support}, verifications_denied),
    Route{"POST", "/v1/gateways/{gateway}/delivery-reports", "postDeliveryReport",
          Handler::delivery_report, Access::vendor_signature},
    Route{"GET", "/v1/gateways/{gateway}/delivery-reports", "getDeliveryReport",
          Handler::delivery_report, Access::vendor_signature},
    keyed("GET", "/v1/brands/{brand}/templates", "listTemplates", Handler::list_templates,
          {brand_manager}, templates_denied),
    keyed("GET", tpl, "getTemplate", Handler::get_template, {brand_manager}, templates_denied),
    keyed("PUT", tpl, "putTemplate", Handler::put_template, {brand_manager}, templates_denied),
    keyed("POST", "/v1/brands/{brand}/templates/{locale}/preview", "previewTemplate",
          Handler::preview_template, {brand_manager}, templates_denied),
    keyed("GET", "/v1/brands/{brand}/templates/{locale}/versions", "listTemplateVersions",
          Handler::template_versions, {brand_manager}, templates_denied),
    keyed("POST", "/v1/brands/{brand}/templates/{locale}/rollback", "rollbackTemplate",
          Handler::rollback_template, {brand_manager}, templates_denied),
    keyed("GET", "/v1/brands/{brand}/subscribers/{phone}", "getSubscriber", Handler::get_subscriber,
          {support}, subscribers_denied),
    keyed("POST", "/v1/brands/{brand}/subscribers/{phone}/unlock", "unlockSubscriber",
          Handler::unlock_subscriber, {support}, subscribers_denied),
    keyed("GET", "/v1/brands/{brand}/audit", "getAuditLog", Handler::audit_log, {support, admin},
          "The audit log needs the support or admin role."),
    keyed("GET", "/v1/brands/{brand}/stats", "getBrandStats", Handler::brand_stats,
          {analyst, admin}, stats_denied),
    keyed("GET", "/v1/brands/{brand}/alerts", "getBrandAlerts", Handler::brand_alerts,
          {analyst, admin}, stats_denied),
    Route{"GET", "/v1/stats", "getMarketStats", Handler::market_stats, Access::api_key,
          Roles{analyst, admin}, true, stats_denied},
    camara_otp("/one-time-password-sms/v1/send-code", "sendCode", Handler::camara_send_code),
    camara_otp("/one-time-password-sms/v1/validate-code", "validateCode",
               Handler::camara_validate_code),
});

// Matches path against a template segment by segment; a {name} segment takes any non-empty one.
bool matches(std::string_view pattern, std::string_view path,
             std::vector<std::pair<std::string_view, std::string_view>>& params) {
  params.clear();
  for (;;) {
    const auto pattern_end = pattern.find('/', 1);
    const auto path_end = path.find('/', 1);
    const std::string_view want = pattern.substr(0, pattern_end);
    const std::string_view got = path.substr(0, path_end);
    if (want.size() > 2 && want[1] == '{') {
      if (got.size() < 2) return false;  // "/" alone: an empty segment
      params.emplace_back(want.substr(2, want.size() - 3), got.substr(1));
    } else if (want != got) {
      return false;
    }
    if (pattern_end == std::string_view::npos || path_end == std::string_view::npos)
      return pattern_end == path_end;
    pattern.remove_prefix(pattern_end);
    path.remove_prefix(path_end);
  }
}

}  // namespace

bool Roles::admits(const ApiKey& key) const {
  for (Role r : key.roles)
    if (contains(r)) return true;
  return false;
}

std::vector<Role> Roles::list() const {
  std::vector<Role> out;
  for (Role r : {shop, brand_manager, support, analyst, admin})
    if (contains(r)) out.push_back(r);
  return out;
}

std::span<const Route> routes() {
  return table;
}

std::string_view RouteMatch::param(std::string_view key) const {
  for (const auto& [name, value] : params)
    if (name == key) return value;
  return {};
}

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch m;
  const std::string_view as = method == "HEAD" ? std::string_view("GET") : method;
  std::vector<std::pair<std::string_view, std::string_view>> params;
  for (const Route& r : table) {
    if (!matches(r.path, path, params)) continue;
    m.name = r.path;
    if (r.method == as) {
      m.route = &r;
      m.params = std::move(params);
      m.allow.clear();
      return m;
    }
    m.allow += (m.allow.empty() ? "" : ", ") + std::string(r.method);
    if (r.method == "GET") m.allow += ", HEAD";
  }
  return m;
}

}  // namespace otpgate::api
