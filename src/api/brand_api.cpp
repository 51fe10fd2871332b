#include "otpgate/api/brand_api.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/api/requests.hpp"
#include "otpgate/api/router.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace otpgate::api {
namespace {

using json = nlohmann::json;

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// The brand's own spelling of a locale it lists ("DE-at" -> "de-AT"), else the tag as given.
std::string locale_of(const Brand& brand, std::string_view tag) {
  for (const auto& l : brand.locales)
    if (iequals(l, tag)) return l;
  return std::string(tag);
}

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

http::Response template_invalid(const LintReport& report) {
  json details = {{"problems", problems_json(report)}};
  return error_response(errc::template_invalid, {}, details);
}

http::Response no_template() {
  return error_response(errc::not_found, "This brand has no template for this locale.");
}

http::Response store_error(const boost::system::error_code& e) {
  return error_response(to_errc(e));
}

LintReport lint(std::string_view text, const std::string& locale, const Brand& brand,
                const SampleOrder& order = {}) {
  return lint_template(text, locale, brand, sample_values(brand, locale, order));
}

// A locale path segment that is not a BCP 47 tag: the lint's INVALID_LOCALE, alone (the
// segment is not echoed: it may be any bytes).
std::optional<http::Response> check_locale(const std::string& locale) {
  if (is_bcp47(locale)) return std::nullopt;
  LintReport only;
  only.problems.push_back(LintProblem{
      .code = "INVALID_LOCALE",
      .message = "The locale in the path is not a BCP 47 language tag such as de or de-AT.",
      .severity = LintSeverity::error});
  return template_invalid(only);
}

// Saves and rollbacks only for the locales the brand offers (its `locales`): a text for any
// other locale would never be sent, and each one costs storage and a lint on every rebuild.
std::optional<http::Response> check_offered(const std::string& locale, const Brand& brand) {
  if (std::find(brand.locales.begin(), brand.locales.end(), locale) != brand.locales.end())
    return std::nullopt;
  std::string listed;
  for (const auto& l : brand.locales) listed += (listed.empty() ? "" : ", ") + l;
  LintReport only;
  only.problems.push_back(
      LintProblem{.code = "LOCALE_NOT_OFFERED",
                  .message = "This brand writes only in " + listed +
                             "; add the locale to the brand's locales before giving it a text.",
                  .severity = LintSeverity::error});
  return template_invalid(only);
}

// A stored text is in effect unless the lint under the brand's current policy refused it
// (then the file applies; see BrandRegistry).
bool in_effect(const Brand& effective, const std::string& locale, const std::string& source) {
  const auto s = effective.template_sources.find(locale);
  const bool api_in_use = s != effective.template_sources.end() && s->second == "api";
  return source == "api" ? api_in_use : !api_in_use;
}

json template_json(const Brand& brand, const std::string& locale, std::int64_t version,
                   const std::string& source, const std::string& text) {
  return {{"brand", brand.id.str()},
          {"locale", locale},
          {"version", version},
          {"etag", etag_of(version)},
          {"source", source},
          {"in_effect", in_effect(brand, locale, source)},
          {"text", text}};
}

http::Response with_etag(http::Response r, std::int64_t version) {
  r.headers.emplace_back("ETag", etag_of(version));
  return r;
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
  const std::string locale = locale_of(b, second);
  if (auto bad = check_locale(locale)) co_return std::move(*bad);
  if (h == Handler::put_template || h == Handler::rollback_template)
    if (auto bad = check_offered(locale, b)) co_return std::move(*bad);
  http::Response r;
  if (h == Handler::get_template)
    r = co_await read(b, locale);
  else if (h == Handler::put_template)
    r = co_await write(req, key, b, locale);
  else if (h == Handler::preview_template)
    r = co_await preview(req, b, locale);
  else if (h == Handler::template_versions)
    r = co_await versions(b, locale);
  else
    r = co_await rollback(req, key, b, locale);
  co_return r;
}

task<http::Response> BrandApi::save_and_render(const TemplateChange& change, const Brand& brand,
                                               const std::string& source, const std::string& text,
                                               const LintReport& report) {
  auto saved = co_await save(change);
  if (!saved) co_return store_error(saved.error());
  const std::int64_t version = saved.value().version;
  if (!saved.value().saved) {
    json details = {{"current_version", version}};
    co_return with_etag(error_response(errc::precondition_failed, {}, details), version);
  }
  // Rendered with the brands as they are now, the change laid over them.
  const auto after = ctx_.brands.current();
  const auto now = after->find(change.brand);
  json body = template_json(now == after->end() ? brand : now->second, change.locale, version,
                            source, text);
  body["problems"] = problems_json(report);
  body["sms"] = sms_json(report);
  co_return with_etag(json_response(200, body), version);
}

std::optional<BrandApi::FileTemplate> BrandApi::file_template(const std::string& brand,
                                                              const std::string& locale) const {
  const auto files = ctx_.brands.files();
  const auto b = files->find(brand);
  if (b == files->end()) return std::nullopt;
  const auto t = b->second.templates.find(locale);
  if (t == b->second.templates.end()) return std::nullopt;
  const auto source = b->second.template_sources.find(locale);
  return FileTemplate{t->second.text(),
                      source == b->second.template_sources.end() ? "default" : source->second};
}

task<result<SaveOutcome>> BrandApi::save(const TemplateChange& change) {
  auto saved = co_await ctx_.templates.save(change);
  if (!saved || !saved.value().saved) co_return saved;
  auto stored = co_await ctx_.templates.all(change.brand);
  if (stored) {
    LocaleOverrides overrides;
    for (auto& [locale, t] : stored.value().locales)
      if (t.text) overrides.emplace(locale, TemplateOverride{t.version, std::move(*t.text)});
    const auto skipped = ctx_.brands.replace_overrides(change.brand, stored.value().revision,
                                                       std::move(overrides), false);
    for (const auto& s : skipped)
      log::write(log::level::warn, "stored template not used, the file template applies",
                 {{"template", s}});
  }
  co_return saved;
}

task<http::Response> BrandApi::list(const Brand& brand) {
  const std::string id = brand.id.str();
  auto stored = co_await ctx_.templates.all(id);
  if (!stored) co_return store_error(stored.error());
  std::vector<std::string> locales = brand.locales;
  for (const auto& [locale, t] : stored.value().locales)
    if (std::find(locales.begin(), locales.end(), locale) == locales.end())
      locales.push_back(locale);
  json out = json::array();
  for (const auto& locale : locales) {
    const auto s = stored.value().locales.find(locale);
    const std::int64_t version = s == stored.value().locales.end() ? 0 : s->second.version;
    if (s != stored.value().locales.end() && s->second.text) {
      out.push_back(template_json(brand, locale, version, "api", *s->second.text));
      continue;
    }
    const auto file = file_template(id, locale);
    if (file) out.push_back(template_json(brand, locale, version, file->source, file->text));
  }
  co_return json_response(200, {{"brand", id}, {"templates", out}});
}

task<http::Response> BrandApi::read(const Brand& brand, const std::string& locale) {
  const std::string id = brand.id.str();
  auto stored = co_await ctx_.templates.get(id, locale);
  if (!stored) co_return store_error(stored.error());
  const std::int64_t version = stored.value().version;
  const auto file = file_template(id, locale);
  const bool api = stored.value().text.has_value();
  if (!api && !file) co_return no_template();
  const std::string& text = api ? *stored.value().text : file->text;
  const LintReport report = lint(text, locale, brand);
  json body = template_json(brand, locale, version, api ? "api" : file->source, text);
  body["problems"] = problems_json(report);
  body["sms"] = sms_json(report);
  co_return with_etag(json_response(200, body), version);
}

task<http::Response> BrandApi::write(http::Request& req, const ApiKey& key, const Brand& brand,
                                     const std::string& locale) {
  auto expected = parse_if_match(req);
  if (auto* bad = std::get_if<http::Response>(&expected)) co_return std::move(*bad);
  auto text = parse_text(req);
  if (auto* bad = std::get_if<http::Response>(&text)) co_return std::move(*bad);
  const std::string& t = std::get<std::string>(text);
  const LintReport report = lint(t, locale, brand);
  if (!report.ok()) co_return template_invalid(report);
  const TemplateChange change{.brand = brand.id.str(),
                              .locale = locale,
                              .expected_version = std::get<std::optional<std::int64_t>>(expected),
                              .text = t,
                              .action = "put",
                              .actor = key.id,
                              .now_ms = ctx_.clock.now_ms()};
  http::Response r = co_await save_and_render(change, brand, "api", t, report);
  co_return r;
}

task<http::Response> BrandApi::preview(http::Request& req, const Brand& brand,
                                       const std::string& locale) {
  auto parsed = parse_preview(req);
  if (auto* bad = std::get_if<http::Response>(&parsed)) co_return std::move(*bad);
  PreviewRequest& p = std::get<PreviewRequest>(parsed);
  if (!p.text) {
    auto stored = co_await ctx_.templates.get(brand.id.str(), locale);
    if (!stored) co_return store_error(stored.error());
    const auto file = file_template(brand.id.str(), locale);
    if (stored.value().text)
      p.text = stored.value().text;
    else if (file)
      p.text = file->text;
    else
      co_return no_template();
  }
  const LintReport report = lint(*p.text, locale, brand, p.order);
  if (!report.ok()) co_return template_invalid(report);
  co_return json_response(200, {{"brand", brand.id.str()},
                                {"locale", locale},
                                {"text", *p.text},
                                {"problems", problems_json(report)},
                                {"sms", sms_json(report)}});
}

task<http::Response> BrandApi::versions(const Brand& brand, const std::string& locale) {
  const std::string id = brand.id.str();
  auto current = co_await ctx_.templates.get(id, locale);
  if (!current) co_return store_error(current.error());
  auto history = co_await ctx_.templates.versions(id, locale);
  if (!history) co_return store_error(history.error());
  json out = json::array();
  for (const auto& v : history.value()) {
    json e = {{"version", v.version},
              {"action", v.action},
              {"source", v.text ? "api" : "files"},
              {"text", v.text ? json(*v.text) : json(nullptr)},
              {"actor", v.actor},
              {"at", rfc3339(v.at_ms)}};
    if (v.action == "rollback") e["from_version"] = v.from_version;
    out.push_back(std::move(e));
  }
  co_return json_response(200, {{"brand", id},
                                {"locale", locale},
                                {"current_version", current.value().version},
                                {"kept", template_versions_kept},
                                {"versions", out}});
}

task<http::Response> BrandApi::rollback(http::Request& req, const ApiKey& key, const Brand& brand,
                                        const std::string& locale) {
  auto expected = parse_if_match(req);
  if (auto* bad = std::get_if<http::Response>(&expected)) co_return std::move(*bad);
  auto body = parse_json_object(req, false);
  if (auto* bad = std::get_if<http::Response>(&body)) co_return std::move(*bad);
  const json& j = std::get<json>(body);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "version")
      co_return invalid_argument(it.key(), "Unknown field '" + it.key() + "'.");
  if (!j.contains("version") || !j["version"].is_number_integer() ||
      j["version"].get<std::int64_t>() < 0)
    co_return invalid_argument("version",
                               "Field 'version' is required: a version number from .../versions, "
                               "or 0 for the brand files' text.");
  const std::int64_t target = j["version"].get<std::int64_t>();
  const std::string id = brand.id.str();
  std::optional<std::string> text;  // nullopt: back to the files
  if (target > 0) {
    auto history = co_await ctx_.templates.versions(id, locale);
    if (!history) co_return store_error(history.error());
    const auto& h = history.value();
    const auto found = std::find_if(h.begin(), h.end(),
                                    [&](const TemplateVersion& v) { return v.version == target; });
    if (found == h.end())
      co_return error_response(errc::not_found, "That version is not kept (the newest " +
                                                    std::to_string(template_versions_kept) +
                                                    " are).");
    text = found->text;
  }
  const auto file = file_template(id, locale);
  if (!text && !file) co_return no_template();
  const std::string shown = text ? *text : file->text;
  const LintReport report = lint(shown, locale, brand);
  if (!report.ok()) co_return template_invalid(report);
  const TemplateChange change{.brand = id,
                              .locale = locale,
                              .expected_version = std::get<std::optional<std::int64_t>>(expected),
                              .text = text,
                              .action = "rollback",
                              .from_version = target,
                              .actor = key.id,
                              .now_ms = ctx_.clock.now_ms()};
  const std::string source = text ? "api" : file->source;
  http::Response r = co_await save_and_render(change, brand, source, shown, report);
  co_return r;
}

}  // namespace otpgate::api
