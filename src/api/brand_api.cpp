#include "otpgate/api/brand_api.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/api/requests.hpp"
#include "otpgate/api/router.hpp"

#include <nlohmann/json.hpp>

#include <variant>

namespace otpgate::api {
namespace {

using json = nlohmann::json;

std::string etag_of(std::int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

json problem_json(const LintProblem& p) {
  json j = {{"code", p.code},
            {"message", p.message},
            {"severity", to_string(p.severity)},
            {"position", nullptr}};
  if (p.position) j["position"] = *p.position;
  return j;
}

json problems_json(const LintReport& report) {
  json out = json::array();
  for (const auto& p : report.problems) out.push_back(problem_json(p));
  return out;
}

json sms_json(const LintReport& report) {
  if (!report.analysis) return nullptr;
  const SmsAnalysis& a = *report.analysis;
  json forcing = json::array();
  for (const auto& c : a.ucs2_characters)
    forcing.push_back({{"index", c.index}, {"character", c.character}});
  return {
      {"text", report.sample_sms},  {"encoding", a.encoding == SmsEncoding::gsm7 ? "gsm7" : "ucs2"},
      {"characters", a.characters}, {"units", a.units},
      {"segments", a.segments},     {"bytes", report.sample_sms.size()},
      {"ucs2_characters", forcing}};
}

// A service's refusal: the problems of TEMPLATE_INVALID, the current version (and its ETag)
// with 412, else the error's status and message.
http::Response error_of(const TemplateError& e) {
  if (e.code == errc::template_invalid) {
    const json details = {{"problems", problems_json(e.report)}};
    return error_response(errc::template_invalid, {}, details);
  }
  if (e.code == errc::precondition_failed) {
    const json details = {{"current_version", e.current_version}};
    http::Response r = error_response(errc::precondition_failed, {}, details);
    r.headers.emplace_back("ETag", etag_of(e.current_version));
    return r;
  }
  return error_response(e.code, e.message);
}

json template_json(const TemplateView& v) {
  json j = {{"brand", v.brand},     {"locale", v.locale},
            {"version", v.version}, {"etag", etag_of(v.version)},
            {"source", v.source},   {"in_effect", v.in_effect},
            {"text", v.text}};
  if (v.report) {
    j["problems"] = problems_json(*v.report);
    j["sms"] = sms_json(*v.report);
  }
  return j;
}

// One template with its lint and its ETag, or the service's error.
http::Response template_response(const TemplateOutcome<TemplateView>& out) {
  if (const auto* e = std::get_if<TemplateError>(&out)) return error_of(*e);
  const TemplateView& v = std::get<TemplateView>(out);
  http::Response r = json_response(200, template_json(v));
  r.headers.emplace_back("ETag", etag_of(v.version));
  if (v.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

json version_json(const TemplateVersion& v) {
  json e = {{"version", v.version},
            {"action", v.action},
            {"source", v.text ? "api" : "files"},
            {"text", v.text ? json(*v.text) : json(nullptr)},
            {"actor", v.actor},
            {"at", rfc3339(v.at_ms)}};
  if (v.action == "rollback") e["from_version"] = v.from_version;
  return e;
}

// A rollback's body: {"version": N}, N >= 0 (0: the brand files' text).
Parsed<std::int64_t> parse_rollback(const http::Request& req) {
  auto body = parse_json_object(req, false);
  if (auto* bad = std::get_if<http::Response>(&body)) return std::move(*bad);
  const json& j = std::get<json>(body);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "version")
      return invalid_argument(it.key(), "Unknown field '" + it.key() + "'.");
  if (!j.contains("version") || !j["version"].is_number_integer() ||
      j["version"].get<std::int64_t>() < 0)
    return invalid_argument("version",
                            "Field 'version' is required: a version number from .../versions, "
                            "or 0 for the brand files' text.");
  return j["version"].get<std::int64_t>();
}

}  // namespace

task<http::Response> BrandApi::serve(Handler h, http::Request& req, const ApiKey& key,
                                     std::string_view brand_id, std::string_view second) {
  const auto brands = ctx_.brands.current();  // kept until the answer is rendered
  const auto brand = brands->find(std::string(brand_id));
  if (brand == brands->end()) co_return error_response(errc::not_found, "No such brand.");
  const std::string id(brand_id);
  if (h == Handler::get_subscriber || h == Handler::unlock_subscriber) {
    http::Response r = co_await subscriber(req, key, id, second, h == Handler::unlock_subscriber);
    co_return r;
  }
  if (h == Handler::audit_log) {
    http::Response r = co_await audit(req, id);
    co_return r;
  }
  const Brand& b = brand->second;
  if (h == Handler::list_templates) {
    http::Response r = co_await list(b);
    co_return r;
  }
  const bool change = h == Handler::put_template || h == Handler::rollback_template;
  const auto target =
      ctx_.templates.target(b, second, change ? TemplateUse::change : TemplateUse::read);
  if (const auto* bad = std::get_if<TemplateError>(&target)) co_return error_of(*bad);
  const TemplateTarget& t = std::get<TemplateTarget>(target);
  http::Response r = co_await on_locale(h, req, key, t);
  co_return r;
}

task<http::Response> BrandApi::on_locale(Handler h, http::Request& req, const ApiKey& key,
                                         const TemplateTarget& t) {
  http::Response r;
  if (h == Handler::get_template)
    r = co_await read(t);
  else if (h == Handler::put_template)
    r = co_await write(req, key, t);
  else if (h == Handler::preview_template)
    r = co_await preview(req, t);
  else if (h == Handler::template_versions)
    r = co_await versions(t);
  else
    r = co_await rollback(req, key, t);
  co_return r;
}

task<http::Response> BrandApi::list(const Brand& brand) {
  const auto out = co_await ctx_.templates.list(brand);
  if (const auto* e = std::get_if<TemplateError>(&out)) co_return error_of(*e);
  const TemplateList& l = std::get<TemplateList>(out);
  json templates = json::array();
  for (const auto& v : l.templates) templates.push_back(template_json(v));
  co_return json_response(200, {{"brand", l.brand}, {"templates", templates}});
}

task<http::Response> BrandApi::read(const TemplateTarget& t) {
  const auto out = co_await ctx_.templates.read(t);
  co_return template_response(out);
}

task<http::Response> BrandApi::write(http::Request& req, const ApiKey& key,
                                     const TemplateTarget& t) {
  auto expected = parse_if_match(req);
  if (auto* bad = std::get_if<http::Response>(&expected)) co_return std::move(*bad);
  auto text = parse_text(req);
  if (auto* bad = std::get_if<http::Response>(&text)) co_return std::move(*bad);
  auto idem = parse_idempotency_key(req);
  if (auto* bad = std::get_if<http::Response>(&idem)) co_return std::move(*bad);
  const WriteTemplate cmd{.target = t,
                          .expected_version = std::get<std::optional<std::int64_t>>(expected),
                          .text = std::move(std::get<std::string>(text)),
                          .actor = key.id,
                          .idempotency_key = std::move(std::get<std::string>(idem))};
  const auto out = co_await ctx_.templates.write(cmd);
  co_return template_response(out);
}

task<http::Response> BrandApi::preview(http::Request& req, const TemplateTarget& t) {
  auto parsed = parse_preview(req);
  if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
  PreviewRequest& p = std::get<PreviewRequest>(parsed);
  const PreviewTemplate cmd{.target = t, .text = std::move(p.text), .order = std::move(p.order)};
  const auto out = co_await ctx_.templates.preview(cmd);
  if (const auto* e = std::get_if<TemplateError>(&out)) co_return error_of(*e);
  const TemplatePreview& v = std::get<TemplatePreview>(out);
  co_return json_response(200, {{"brand", v.brand},
                                {"locale", v.locale},
                                {"text", v.text},
                                {"problems", problems_json(v.report)},
                                {"sms", sms_json(v.report)}});
}

task<http::Response> BrandApi::versions(const TemplateTarget& t) {
  const auto out = co_await ctx_.templates.versions(t);
  if (const auto* e = std::get_if<TemplateError>(&out)) co_return error_of(*e);
  const TemplateHistory& h = std::get<TemplateHistory>(out);
  json versions = json::array();
  for (const auto& v : h.versions) versions.push_back(version_json(v));
  co_return json_response(200, {{"brand", h.brand},
                                {"locale", h.locale},
                                {"current_version", h.current_version},
                                {"kept", template_versions_kept},
                                {"versions", versions}});
}

task<http::Response> BrandApi::rollback(http::Request& req, const ApiKey& key,
                                        const TemplateTarget& t) {
  auto expected = parse_if_match(req);
  if (auto* bad = std::get_if<http::Response>(&expected)) co_return std::move(*bad);
  auto version = parse_rollback(req);
  if (auto* bad = std::get_if<http::Response>(&version)) co_return std::move(*bad);
  auto idem = parse_idempotency_key(req);
  if (auto* bad = std::get_if<http::Response>(&idem)) co_return std::move(*bad);
  const RollbackTemplate cmd{.target = t,
                             .expected_version = std::get<std::optional<std::int64_t>>(expected),
                             .version = std::get<std::int64_t>(version),
                             .actor = key.id,
                             .idempotency_key = std::move(std::get<std::string>(idem))};
  const auto out = co_await ctx_.templates.rollback(cmd);
  co_return template_response(out);
}

}  // namespace otpgate::api
