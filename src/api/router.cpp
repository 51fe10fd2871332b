#include "otpgate/api/router.hpp"

#include "otpgate/api/caller_api.hpp"
#include "otpgate/api/camara_otp.hpp"
#include "otpgate/api/errors.hpp"
#include "otpgate/api/metrics_endpoint.hpp"
#include "otpgate/api/openapi.hpp"
#include "otpgate/api/requests.hpp"
#include "otpgate/core/ascii.hpp"

#include <nlohmann/json.hpp>

namespace otpgate::api {
namespace {

// "Bearer KEY": the scheme in any case (RFC 9110 11.1), then one or more spaces.
const ApiKey* authenticate(const http::Request& req, const KeyDirectory& keys) {
  const auto auth = req.header("authorization");
  constexpr std::string_view scheme = "bearer";
  if (!auth || auth->size() <= scheme.size() || (*auth)[scheme.size()] != ' ') return nullptr;
  if (!iequals_ascii(auth->substr(0, scheme.size()), scheme)) return nullptr;
  const auto start = auth->find_first_not_of(' ', scheme.size());
  if (start == std::string_view::npos) return nullptr;
  return keys.find(auth->substr(start));
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

Caller caller_of(const ApiKey& key) {
  return Caller{.key_id = key.id, .brand = key.brand, .support = key.has_role(Role::support)};
}

}  // namespace

http::Response Router::render(const Answer& a, unsigned success_status) const {
  const std::int64_t now = ctx_.clock.now_ms();
  if (a.error == errc::ok)
    return json_text_response(success_status, verification_json_text(*a.record, now));
  nlohmann::json details = nlohmann::json::object();
  if (a.attempts_left >= 0) details["attempts_left"] = a.attempts_left;
  if (!a.limit.empty()) details["limit"] = a.limit;
  if (!a.field.empty()) details["field"] = a.field;
  http::Response r = error_response(a.error, a.message, details);
  if (a.record && a.error != errc::not_found)
    append_verification(r.body, verification_json_text(*a.record, now));
  if (a.retry_after_ms > 0) set_retry_after(r, a.retry_after_ms);
  return r;
}

task<http::Response> Router::handle(http::Request& req) {
  RouteMatch m = match_route(req.method, req.path);
  // /metrics served by OTPGATE_METRICS_LISTEN: no such route on this listener.
  if (!ctx_.metrics && m.name == "/metrics") m = RouteMatch{};
  // The edge headers (console security headers, nosniff, no-store) are the HTTP session's to
  // add, to this answer as to the ones it makes itself: http/edge_headers.hpp.
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
  // CAMARA's x-correlator rule holds for every answer of its routes, a 401 included.
  if (route.contract == Contract::camara_otp)
    if (auto bad = adopt_camara_correlator(req)) co_return std::move(*bad);
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
  if (route.one_brand_key && key->brand == "*")
    co_return error_response(errc::permission_denied,
                             "This route needs an API key of one brand: an all-brands (*) key "
                             "cannot choose the brand it acts for.");
  if (const auto brand = m.param("brand"); !brand.empty() && !key->covers_brand(brand))
    co_return error_response(errc::permission_denied, "This API key is not valid for that brand.");
  http::Response r = co_await serve(req, m, *key);
  co_return r;
}

task<http::Response> Router::serve_open(http::Request& req, const RouteMatch& m) {
  switch (m.route->handler) {
    case Handler::readyz:
      if (!ctx_.ready())
        co_return error_response(errc::store_unavailable, "Redis is not reachable.");
      co_return json_response(200, {{"status", "ok"}});
    case Handler::openapi:
      co_return openapi_response();
    case Handler::metrics:
      co_return metrics_response(req, *ctx_.metrics);
    case Handler::console_redirect:
      co_return console::redirect_to_root(req);
    case Handler::console_file:
      // The route matched /console/ or one or two segments below it: the rest is the name.
      co_return console::respond(ctx_.console, std::string_view(req.path).substr(9), req);
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
    case Handler::me:
      co_return key_info_response(key);
    case Handler::list_brands:
      co_return brands_response(*ctx_.brands.current(), key);
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
    case Handler::camara_send_code:
    case Handler::camara_validate_code: {
      http::Response r = co_await serve_camara_otp(h, req, key, ctx_.verifications);
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
  auto header = idempotency_header(req);
  if (auto* bad = std::get_if<http::Response>(&header)) co_return std::move(*bad);
  const auto& idem = std::get<std::optional<std::string>>(header);
  const StartRequest request{.brand = std::move(c.brand),
                             .phone_number = c.phone_number,
                             .locale = std::move(c.locale),
                             .client_ip = std::move(c.client_ip),
                             .order = std::move(c.order),
                             .metadata = std::move(c.metadata),
                             .purpose = c.purpose,
                             .reason = std::move(c.reason),
                             .idempotency_key = idem,
                             // The parsed request, keys sorted: the same JSON in another order or
                             // spacing is the same request for Idempotency-Key.
                             .fingerprint = fields.dump(),
                             .customer = std::move(c.customer)};
  const Caller caller = caller_of(key);
  const Answer a = co_await ctx_.verifications.start(caller, request);
  http::Response r = render(a, a.replayed ? 200 : 201);
  if (a.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  if (const auto phone = PhoneNumber::parse_e164(c.phone_number))
    r.log_phone_masked = phone->masked();
  co_return r;
}

task<http::Response> Router::on_verification(http::Request& req, const ApiKey& key,
                                             std::string_view id_text, std::string_view action) {
  const auto id = VerificationId::parse(id_text);
  const Caller caller = caller_of(key);
  if (!id || !VerificationRequests::visible(caller, *id))
    co_return error_response(errc::not_found, "No such verification.");
  if (action.empty()) {
    const Answer a = co_await ctx_.verifications.get(caller, *id);
    co_return render(a, 200);
  }
  const bool is_check = action == "check";
  auto body = parse_json_object(req, !is_check);
  if (auto* bad = std::get_if<http::Response>(&body)) co_return std::move(*bad);
  const auto& json = std::get<nlohmann::json>(body);
  auto header = idempotency_header(req);
  if (auto* bad = std::get_if<http::Response>(&header)) co_return std::move(*bad);
  const auto& idem = std::get<std::optional<std::string>>(header);
  Answer a;
  if (is_check) {
    auto parsed = parse_check(json);
    if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
    const CheckRequest& check = std::get<CheckRequest>(parsed);
    a = co_await ctx_.verifications.check(caller, *id, check.code, check.order, idem);
  } else if (auto bad = reject_fields(json)) {
    co_return std::move(*bad);
  } else if (action == "resend") {
    a = co_await ctx_.verifications.resend(caller, *id, idem);
  } else {
    a = co_await ctx_.verifications.cancel(caller, *id, idem);
  }
  http::Response r = render(a, 200);
  if (a.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  co_return r;
}

}  // namespace otpgate::api
