// The support side of /v1/brands/{brand}/: the subscriber lookup and unlock (each written to
// the audit log first) and the audit log's pages. Routing and role checks are in brand_api.cpp.
#include "otpgate/api/brand_api.hpp"
#include "otpgate/api/errors.hpp"
#include "otpgate/core/form_encoding.hpp"
#include "otpgate/api/requests.hpp"
#include "otpgate/api/router.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/crypto/phone_parser.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace otpgate::api {
namespace {

using json = nlohmann::json;

constexpr std::size_t audit_default_limit = 50;
constexpr std::size_t audit_max_limit = 200;

http::Response store_error(const boost::system::error_code& e) {
  return error_response(to_errc(e));
}

// The phone in a subscriber path: E.164, written "+49..." or "%2B49..." (a client that encodes
// the "+" as it would in a query); nothing else is decoded.
std::optional<crypto::ParsedPhone> phone_of_segment(std::string_view segment) {
  std::string e164(segment);
  if (segment.size() > 3 && segment[0] == '%' && segment[1] == '2' &&
      (segment[2] == 'B' || segment[2] == 'b'))
    e164 = "+" + std::string(segment.substr(3));
  return crypto::parse_phone(e164);
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

json subscriber_json(const std::string& brand, const PhoneNumber& phone, const SubscriberState& s,
                     std::int64_t now_ms) {
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
  return {{"brand", brand},
          {"phone_number", phone.masked()},
          {"locked", locked},
          {"locked_until", locked ? json(rfc3339(now_ms + s.locked_for_ms)) : json(nullptr)},
          {"failed_checks", s.failed_checks},
          {"lock_level", s.lock_level},
          {"sends_today", s.sends_24h},
          {"recent_verifications", recent}};
}

}  // namespace

task<http::Response> BrandApi::subscriber(http::Request& req, const ApiKey& key,
                                          const std::string& brand, std::string_view phone_segment,
                                          bool unlock) {
  const auto parsed = phone_of_segment(phone_segment);
  if (!parsed)
    co_return invalid_argument("phone_number",
                               "The phone number in the path must be a valid number in E.164 "
                               "format, such as +4915112345678 (or %2B4915112345678).");
  std::string reason;
  if (unlock) {
    auto parsed = parse_unlock(req);
    if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
    reason = std::move(std::get<std::string>(parsed));
  }
  const PhoneNumber* phone = &parsed->number;
  const std::int64_t now = ctx_.clock.now_ms();
  const std::string masked = phone->masked();
  std::vector<std::pair<std::string, std::string>> entry = {
      {"action", unlock ? "subscriber.unlock" : "subscriber.lookup"},
      {"actor", key.id},
      {"target", masked},
      {"at", std::to_string(now)}};
  if (unlock) entry.emplace_back("reason", reason);
  // The entry comes first: an action the log cannot record is not done (503). A failure after
  // it leaves the entry of an attempt, which the caller's 503 reports.
  auto logged = co_await ctx_.audit.append(brand, entry);
  if (!logged) co_return store_error(logged.error());
  result<SubscriberState> state = errc::store_protocol;
  if (unlock)
    state = co_await ctx_.subscribers.unlock(brand, *phone, now);
  else
    state = co_await ctx_.subscribers.lookup(brand, *phone, now);
  if (!state) co_return store_error(state.error());
  // Only an unlock that freed a locked phone is one (analytics count unlocks).
  if (unlock && state.value().was_locked)
    ctx_.events.publish(Event{.type = EventType::unlocked,
                              .brand = brand,
                              .phone_masked = masked,
                              .country = parsed->country,
                              .at_ms = now});
  http::Response r = json_response(200, subscriber_json(brand, *phone, state.value(), now));
  r.log_phone_masked = masked;
  co_return r;
}

task<http::Response> BrandApi::audit(http::Request& req, const std::string& brand) {
  // Query: limit (1-200, default 50) and before (the cursor "next" of the previous page).
  std::size_t limit = audit_default_limit;
  std::string before;
  const auto q = req.target.find('?');
  if (q != std::string::npos) {
    const auto fields = form_decode(std::string_view(req.target).substr(q + 1));
    if (!fields) co_return invalid_argument("query", "The query string is not readable.");
    for (const auto& [name, value] : *fields) {
      if (name == "limit") {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > audit_max_limit)
          co_return invalid_argument("limit", "Parameter 'limit' must be a number from 1 to 200.");
        limit = n;
      } else if (name == "before") {
        if (!valid_audit_cursor(value))
          co_return invalid_argument("before",
                                     "Parameter 'before' must be the 'next' of an earlier page.");
        before = value;
      } else {
        co_return invalid_argument("query", "Unknown parameter: only limit and before are read.");
      }
    }
  }
  auto page = co_await ctx_.audit.page(brand, before, limit);
  if (!page) co_return store_error(page.error());
  json entries = json::array();
  for (const auto& e : page.value().entries) {
    json entry = {{"id", e.id}};
    for (const auto& [k, v] : e.fields) {
      if (k == "at")
        entry["at"] = rfc3339(std::strtoll(v.c_str(), nullptr, 10));
      else if (k == "old_version" || k == "new_version")
        entry[k] = std::strtoll(v.c_str(), nullptr, 10);
      else
        entry[k] = v;
    }
    entries.push_back(std::move(entry));
  }
  co_return json_response(
      200, {{"brand", brand},
            {"entries", entries},
            {"next", page.value().next.empty() ? json(nullptr) : json(page.value().next)}});
}

}  // namespace otpgate::api
