// The support side of /v1/brands/{brand}/: the subscriber lookup and unlock and the audit log's
// pages, parsed and rendered here; the rules (the audit entry first, the unlock event, the
// unlock's Idempotency-Key) are app/support_service's. Routing and role checks are in
// brand_api.cpp.
#include "otpgate/api/brand_api.hpp"
#include "otpgate/api/errors.hpp"
#include "otpgate/api/requests.hpp"
#include "otpgate/api/router.hpp"
#include "otpgate/core/form_encoding.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>
#include <variant>

namespace otpgate::api {
namespace {

using json = nlohmann::json;

constexpr std::size_t audit_default_limit = 50;
constexpr std::size_t audit_max_limit = 200;

http::Response error_of(const SupportError& e) {
  if (e.code == errc::invalid_argument && !e.field.empty())
    return invalid_argument(e.field, e.message);
  return error_response(e.code, e.message);
}

// The phone in a subscriber path: E.164, written "+49..." or "%2B49..." (a client that encodes
// the "+" as it would in a query); nothing else is decoded.
std::string e164_of_segment(std::string_view segment) {
  if (segment.size() > 3 && segment[0] == '%' && segment[1] == '2' &&
      (segment[2] == 'B' || segment[2] == 'b'))
    return "+" + std::string(segment.substr(3));
  return std::string(segment);
}

// An unlock's body: {"reason": "..."}.
Parsed<std::string> parse_unlock(const http::Request& req) {
  // An empty body is a missing reason (named as such), not an unreadable body.
  auto body = parse_json_object(req, true);
  if (auto* bad = std::get_if<http::Response>(&body)) return std::move(*bad);
  const json& j = std::get<json>(body);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "reason")
      return invalid_argument(it.key(), "Unknown field '" + it.key() + "'.");
  return parse_reason(j, "why the number is unlocked");
}

json subscriber_json(const SubscriberView& view) {
  const SubscriberState& s = view.state;
  json recent = json::array();
  for (const auto& v : s.recent) {
    const auto id = VerificationId::parse(v.id);
    recent.push_back(
        {{"id", v.id},
         {"purpose", to_string(id ? id->purpose() : Purpose::checkout)},
         {"status", v.status},
         {"created_at", rfc3339(v.created_ms)},
         {"delivery_status", v.delivery_status.empty() ? json(nullptr) : json(v.delivery_status)}});
  }
  const bool locked = s.locked_for_ms > 0;
  return {{"brand", view.brand},
          {"phone_number", view.phone_masked},
          {"locked", locked},
          {"locked_until", locked ? json(rfc3339(view.now_ms + s.locked_for_ms)) : json(nullptr)},
          {"failed_checks", s.failed_checks},
          {"lock_level", s.lock_level},
          {"sends_today", s.sends_24h},
          {"recent_verifications", recent}};
}

// The audit log's query: limit (1-200, default 50) and before (the cursor "next" of the
// previous page).
Parsed<AuditQuery> parse_audit_query(const http::Request& req, const std::string& brand) {
  AuditQuery query{.brand = brand, .limit = audit_default_limit};
  const auto q = req.target.find('?');
  if (q == std::string::npos) return query;
  const auto fields = form_decode(std::string_view(req.target).substr(q + 1));
  if (!fields) return invalid_argument("query", "The query string is not readable.");
  for (const auto& [name, value] : *fields) {
    if (name == "limit") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > audit_max_limit)
        return invalid_argument("limit", "Parameter 'limit' must be a number from 1 to 200.");
      query.limit = n;
    } else if (name == "before") {
      if (!valid_audit_cursor(value))
        return invalid_argument("before",
                                "Parameter 'before' must be the 'next' of an earlier page.");
      query.before = value;
    } else {
      return invalid_argument("query", "Unknown parameter: only limit and before are read.");
    }
  }
  return query;
}

json audit_entry_json(const AuditEntry& e) {
  json entry = {{"id", e.id}};
  for (const auto& [k, v] : e.fields) {
    if (k == "at")
      entry["at"] = rfc3339(std::strtoll(v.c_str(), nullptr, 10));
    else if (k == "old_version" || k == "new_version")
      entry[k] = std::strtoll(v.c_str(), nullptr, 10);
    else
      entry[k] = v;
  }
  return entry;
}

}  // namespace

task<http::Response> BrandApi::subscriber(http::Request& req, const ApiKey& key,
                                          const std::string& brand, std::string_view phone_segment,
                                          bool unlock) {
  auto phone = ctx_.support.phone(e164_of_segment(phone_segment));
  if (const auto* bad = std::get_if<SupportError>(&phone)) co_return error_of(*bad);
  std::string reason, idempotency_key;
  if (unlock) {
    auto parsed = parse_unlock(req);
    if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
    reason = std::move(std::get<std::string>(parsed));
    // A lookup changes nothing: only the unlock reads the header.
    auto idem = parse_idempotency_key(req);
    if (auto* bad = std::get_if<http::Response>(&idem)) co_return std::move(*bad);
    idempotency_key = std::move(std::get<std::string>(idem));
  }
  const SubscriberAction action{.brand = brand,
                                .phone = std::move(std::get<ParsedPhone>(phone)),
                                .actor = key.id,
                                .reason = std::move(reason),
                                .idempotency_key = std::move(idempotency_key)};
  SupportOutcome<SubscriberView> out = SupportError{};
  if (unlock)
    out = co_await ctx_.support.unlock(action);
  else
    out = co_await ctx_.support.lookup(action);
  if (const auto* e = std::get_if<SupportError>(&out)) co_return error_of(*e);
  const SubscriberView& view = std::get<SubscriberView>(out);
  http::Response r = json_response(200, subscriber_json(view));
  if (view.state.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  r.log_phone_masked = view.phone_masked;
  co_return r;
}

task<http::Response> BrandApi::audit(http::Request& req, const std::string& brand) {
  auto query = parse_audit_query(req, brand);
  if (auto* bad = std::get_if<http::Response>(&query)) co_return std::move(*bad);
  const AuditQuery& q = std::get<AuditQuery>(query);
  const auto out = co_await ctx_.support.audit_page(q);
  if (const auto* e = std::get_if<SupportError>(&out)) co_return error_of(*e);
  const AuditPage& page = std::get<AuditPage>(out);
  json entries = json::array();
  for (const auto& e : page.entries) entries.push_back(audit_entry_json(e));
  co_return json_response(200, {{"brand", brand},
                                {"entries", entries},
                                {"next", page.next.empty() ? json(nullptr) : json(page.next)}});
}

}  // namespace otpgate::api
