#include "otpgate/api/router.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/api/metrics_endpoint.hpp"
#include "otpgate/api/openapi.hpp"
#include "otpgate/api/requests.hpp"
#include "otpgate/crypto/openssl.hpp"
#include "otpgate/crypto/phone_parser.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace otpgate::api {
namespace {

// "Bearer KEY": the scheme in any case (RFC 9110 11.1), then one or more spaces.
const ApiKey* authenticate(const http::Request& req, const ApiKeyRegistry& keys) {
  const auto auth = req.header("authorization");
  constexpr std::string_view scheme = "bearer";
  if (!auth || auth->size() <= scheme.size() || (*auth)[scheme.size()] != ' ') return nullptr;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>((*auth)[i])) != scheme[i]) return nullptr;
  const auto start = auth->find_first_not_of(' ', scheme.size());
  if (start == std::string_view::npos) return nullptr;
  return keys.find(crypto::sha256_hex(auth->substr(start)));
}

// The verification action a handler stands for ("check", "resend", "cancel"; "" for a read).
std::string_view action_of(Handler h) {
  switch (h) {
    case Handler::check_verification:
      return "check";
    case Handler::resend_verification:
      return "resend";
    case Handler::cancel_verification:
      return "cancel";
    default:
      return "";
  }
}

}  // namespace

http::Response Router::render(const Answer& a, unsigned success_status) const {
  const std::int64_t now = ctx_.clock.now_ms();
  if (a.error == errc::ok) return json_response(success_status, verification_json(*a.record, now));
  nlohmann::json details = nlohmann::json::object();
  if (a.attempts_left >= 0) details["attempts_left"] = a.attempts_left;
  if (!a.limit.empty()) details["limit"] = a.limit;
  if (a.record && a.error != errc::not_found)
    details["verification"] = verification_json(*a.record, now);
  http::Response r = error_response(a.error, a.message, details);
  if (a.retry_after_ms > 0) set_retry_after(r, a.retry_after_ms);
  return r;
}

task<http::Response> Router::handle(http::Request& req) {
  RouteMatch m = match_route(req.method, req.path);
  // /metrics served by OTPGATE_METRICS_LISTEN: no such route on this listener.
  if (!ctx_.metrics && m.name == "/metrics") m = RouteMatch{};
  http::Response r = co_await admit(req, m);
  r.log_route = std::string(m.name);
  co_return r;
}

// The route table's checks, in order: the route (404, or 405 with Allow), the key (401), its
// roles (403), an all-brands key where the route needs one, the brand of the path (403: a key of
// another brand learns nothing, not even whether the brand exists).
task<http::Response> Router::admit(http::Request& req, const RouteMatch& m) {
  if (!m.route)
    co_return m.allow.empty() ? error_response(errc::not_found, "No such route.")
                              : method_not_allowed(m.allow);
  const Route& route = *m.route;
  if (route.access != Access::api_key) {
    http::Response r = co_await serve_open(req, m);
    co_return r;
  }
  const ApiKey* key = authenticate(req, ctx_.keys);
  if (!key) co_return error_response(errc::unauthenticated);
  if (!route.roles.admits(*key))
    co_return error_response(errc::permission_denied, std::string(route.denied));
  if (route.all_brands_key && key->brand != "*")
    co_return error_response(errc::permission_denied,
                             "This route needs an all-brands (*) API key.");
  if (const auto brand = m.param("brand"); !brand.empty() && !key->covers_brand(brand))
    co_return error_response(errc::permission_denied, "This API key is not valid for that brand.");
  http::Response r = co_await serve(req, m, *key);
  co_return r;
}

task<http::Response> Router::serve_open(http::Request& req, const RouteMatch& m) {
  switch (m.route->handler) {
    case Handler::readyz:
      if (!ctx_.service.ready())
        co_return error_response(errc::store_unavailable, "Redis is not reachable.");
      co_return json_response(200, {{"status", "ok"}});
    case Handler::openapi:
      co_return openapi_response();
    case Handler::metrics:
      co_return metrics_response(req, *ctx_.metrics);
    case Handler::delivery_report: {
      http::Response r = co_await delivery_report(req, m.param("gateway"));
      co_return r;
    }
    default:
      co_return json_response(200, {{"status", "ok"}});  // healthz: the process answers
  }
}

task<http::Response> Router::serve(http::Request& req, const RouteMatch& m, const ApiKey& key) {
  const Handler h = m.route->handler;
  switch (h) {
    case Handler::create_verification: {
      http::Response r = co_await create(req, key);
      co_return r;
    }
    case Handler::get_verification:
    case Handler::check_verification:
    case Handler::resend_verification:
    case Handler::cancel_verification: {
      http::Response r = co_await on_verification(req, key, m.param("id"), action_of(h));
      co_return r;
    }
    case Handler::brand_stats:
    case Handler::brand_alerts:
    case Handler::market_stats: {
      http::Response r = co_await ctx_.stats_api.serve(h, req, m.param("brand"));
      co_return r;
    }
    default: {
      const std::string_view second =
          m.param("locale").empty() ? m.param("phone") : m.param("locale");
      http::Response r = co_await ctx_.brand_api.serve(h, req, key, m.param("brand"), second);
      co_return r;
    }
  }
}

task<http::Response> Router::create(http::Request& req, const ApiKey& key) {
  auto body = parse_json_object(req, false);
  if (auto* bad = std::get_if<http::Response>(&body)) co_return std::move(*bad);
  // The role first: a shop key asking for a support call hears 403, whatever else is wrong.
  const nlohmann::json& fields = std::get<nlohmann::json>(body);
  if (fields.contains("purpose") && fields["purpose"] == "support_call" &&
      !key.has_role(Role::support))
    co_return error_response(errc::permission_denied,
                             "A support_call verification needs an API key with the support role.");
  auto parsed = parse_create(fields);
  if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
  auto& c = std::get<CreateRequest>(parsed);
  const std::string brand_id = key.brand == "*" ? c.brand : key.brand;
  if (brand_id.empty())
    co_return invalid_argument("brand", "Field 'brand' is required with an all-brands key.");
  if (!c.brand.empty() && c.brand != brand_id)
    co_return error_response(errc::permission_denied, "This API key is not valid for that brand.");
  const auto brands = ctx_.brands.current();  // kept until the create has answered
  const auto brand = brands->find(brand_id);
  if (brand == brands->end()) co_return invalid_argument("brand", "Unknown brand.");
  std::string support_locale;
  if (c.purpose == Purpose::support_call &&
      !brand->second.template_for(c.locale, support_locale, Purpose::support_call))
    co_return invalid_argument("purpose",
                               "This brand has no support_call SMS text for its languages, so it "
                               "offers no support calls.");
  if (brand->second.psd2_dynamic_linking && c.purpose == Purpose::checkout)
    if (auto bad = require_psd2_order(c.order)) co_return std::move(*bad);

  const auto phone = crypto::parse_phone(c.phone_number);
  if (!phone)
    co_return invalid_argument("phone_number",
                               "Field 'phone_number' must be a valid E.164 number such as "
                               "+4915112345678.");
  const auto idem = req.header("idempotency-key");
  if (idem && !valid_idempotency_key(*idem))
    co_return invalid_argument("Idempotency-Key",
                               "Header Idempotency-Key must be 1 to 255 visible ASCII characters.");

  CreateCommand cmd{.brand = &brand->second,
                    .phone = phone->number,
                    .country = phone->country,
                    .sms_line = crypto::receives_codes(phone->line_type),
                    .client_ip = c.client_ip,
                    .locale = c.locale,
                    .order_json = c.order.is_null() ? "" : c.order.dump(),
                    .metadata_json = c.metadata.is_null() ? "" : c.metadata.dump(),
                    .idempotency_key = idem ? std::string(*idem) : std::string(),
                    // The parsed request, keys sorted: the same JSON in another order or
                    // spacing is the same request for Idempotency-Key.
                    .body = fields.dump(),
                    .purpose = c.purpose};
  const Answer a = co_await ctx_.service.create(cmd);
  if (key.has_role(Role::support)) {
    const std::string action =
        c.purpose == Purpose::support_call ? "support_call.start" : "verification.create";
    const SupportAction what{.action = action,
                             .brand = brand_id,
                             .target = phone->number.masked(),
                             .verification = a.record ? a.record->id : std::string(),
                             .reason = c.reason};
    co_await audit_action(key, what, a);
  }
  http::Response r = render(a, a.replayed ? 200 : 201);
  if (a.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  r.log_phone_masked = phone->number.masked();
  co_return r;
}

task<http::Response> Router::on_verification(http::Request& req, const ApiKey& key,
                                             std::string_view id_text, std::string_view action) {
  const auto id = VerificationId::parse(id_text);
  // A support call's verification exists only for support keys (its id says so).
  if (!id || (id->purpose() == Purpose::support_call && !key.has_role(Role::support)))
    co_return error_response(errc::not_found, "No such verification.");
  const std::string& brand = key.brand;
  if (action.empty()) {
    const Answer a = co_await ctx_.service.get(*id, brand);
    co_return render(a, 200);
  }
  const bool is_check = action == "check";
  auto body = parse_json_object(req, !is_check);
  if (auto* bad = std::get_if<http::Response>(&body)) co_return std::move(*bad);
  const auto& json = std::get<nlohmann::json>(body);
  if (is_check) {
    auto parsed = parse_check(json);
    if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
    const CheckRequest& check = std::get<CheckRequest>(parsed);
    const Answer a = co_await ctx_.service.check(*id, brand, check.code, check.order);
    const std::string verb(action);  // a named local: no temporaries in a co_await (g++ 12)
    co_await audit_verification(key, *id, verb, a);
    co_return render(a, 200);
  }
  if (auto bad = reject_fields(json)) co_return std::move(*bad);
  Answer a;
  if (action == "resend")
    a = co_await ctx_.service.resend(*id, brand);
  else
    a = co_await ctx_.service.cancel(*id, brand);
  const std::string verb(action);
  co_await audit_verification(key, *id, verb, a);
  co_return render(a, 200);
}

task<void> Router::audit_verification(const ApiKey& key, const VerificationId& id,
                                      const std::string& verb, const Answer& a) {
  if (!key.has_role(Role::support)) co_return;
  SupportAction what{
      .action =
          std::string(id.purpose() == Purpose::support_call ? "support_call." : "verification.") +
          verb,
      .verification = id.str()};
  if (a.record) {
    what.brand = a.record->brand;
    const auto phone = PhoneNumber::parse_e164(a.record->phone);
    what.target = phone ? phone->masked() : std::string();
  } else {
    // Refused before a record was read (a locked phone, a limit, not found): the key's brand.
    // A "*" key's such action names no brand, so there is no brand log to write to.
    what.brand = key.brand == "*" ? std::string() : key.brand;
  }
  co_await audit_action(key, what, a);
}

task<void> Router::audit_action(const ApiKey& key, const SupportAction& what, const Answer& a) {
  const std::string outcome =
      a.error == errc::ok ? std::string("ok") : std::string(public_error(a.error).code);
  std::vector<std::pair<std::string, std::string>> entry = {
      {"action", what.action}, {"actor", key.id},
      {"target", what.target}, {"verification", what.verification},
      {"outcome", outcome},    {"at", std::to_string(ctx_.clock.now_ms())}};
  if (!what.reason.empty()) entry.emplace_back("reason", what.reason);
  result<std::string> logged = errc::not_found;
  if (!what.brand.empty()) logged = co_await ctx_.audit.append(what.brand, entry);
  // The action is done and its answer must reach the caller; the error log keeps the entry
  // (all but the reason, which is free text).
  if (!logged)
    log::write(log::level::error, "audit entry not written",
               {{"brand", what.brand},
                {"action", what.action},
                {"actor", key.id},
                {"target", what.target},
                {"verification", what.verification},
                {"outcome", outcome},
                {"error", what.brand.empty() ? std::string("no brand: an all-brands key")
                                             : logged.error().message()}});
}

}  // namespace otpgate::api
