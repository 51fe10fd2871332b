#include "otpgate/app/template_service.hpp"

#include "otpgate/app/retry_entry.hpp"
#include "otpgate/core/ascii.hpp"
#include "otpgate/core/templates.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace otpgate {
namespace {

// The brand's own spelling of a locale it lists ("DE-at" -> "de-AT"), else the tag as given.
std::string locale_of(const Brand& brand, std::string_view tag) {
  for (const auto& l : brand.locales)
    if (iequals_ascii(l, tag)) return l;
  return std::string(tag);
}

TemplateError failure(errc code, std::string message = {}) {
  return TemplateError{.code = code, .message = std::move(message)};
}

TemplateError store_failure(const boost::system::error_code& e) {
  return failure(to_errc(e));
}

TemplateError no_template() {
  return failure(errc::not_found, "This brand has no template for this locale.");
}

TemplateError invalid(LintReport report) {
  return TemplateError{.code = errc::template_invalid, .report = std::move(report)};
}

// A report of one error, for a locale the lint is not asked about.
TemplateError invalid(std::string code, std::string message) {
  LintReport only;
  only.problems.push_back(LintProblem{
      .code = std::move(code), .message = std::move(message), .severity = LintSeverity::error});
  return invalid(std::move(only));
}

LintReport lint(std::string_view text, const std::string& locale, const Brand& brand,
                const SampleOrder& order = {}) {
  return lint_template(text, locale, brand, sample_values(brand, locale, order));
}

// A stored text is in effect unless the lint under the brand's current policy refused it
// (then the file applies; see BrandRegistry).
bool in_effect(const Brand& effective, const std::string& locale, const std::string& source) {
  const auto s = effective.template_sources.find(locale);
  const bool api_in_use = s != effective.template_sources.end() && s->second == "api";
  return source == "api" ? api_in_use : !api_in_use;
}

TemplateView view_of(const Brand& brand, const std::string& locale, std::int64_t version,
                     const std::string& source, const std::string& text) {
  return TemplateView{.brand = brand.id.str(),
                      .locale = locale,
                      .version = version,
                      .source = source,
                      .in_effect = in_effect(brand, locale, source),
                      .text = text};
}

// A change's Idempotency-Key entry: scoped to the caller, the brand and the locale; request: the
// parsed change (If-Match included: a retry sends the same one).
RetryEntry change_entry(const Keyring& keys, const TemplateTarget& t, const std::string& actor,
                        const std::string& key, std::optional<std::int64_t> expected,
                        const std::string& request) {
  const RetryScope scope{
      .owner = actor, .brand = t.brand.id.str(), .target = "templates/" + t.locale};
  const std::string match = expected ? std::to_string(*expected) : "*";
  return retry_entry(keys, scope, key, request + "\n" + match);
}

}  // namespace

TemplateOutcome<TemplateTarget> TemplateService::target(const Brand& brand,
                                                        std::string_view segment,
                                                        TemplateUse use) const {
  std::string locale = locale_of(brand, segment);
  // Not echoed in the message: the segment may be any bytes.
  if (!is_bcp47(locale))
    return invalid("INVALID_LOCALE",
                   "The locale in the path is not a BCP 47 language tag such as de or de-AT.");
  // Changes only for the locales the brand offers (its `locales`): a text for any other locale
  // would never be sent, and each one costs storage and a lint on every rebuild.
  const auto& offered = brand.locales;
  if (use == TemplateUse::change &&
      std::find(offered.begin(), offered.end(), locale) == offered.end()) {
    std::string listed;
    for (const auto& l : offered) listed += (listed.empty() ? "" : ", ") + l;
    return invalid("LOCALE_NOT_OFFERED",
                   "This brand writes only in " + listed +
                       "; add the locale to the brand's locales before giving it a text.");
  }
  return TemplateTarget{.brand = brand, .locale = std::move(locale)};
}

std::optional<TemplateService::FileTemplate> TemplateService::file_template(
    const std::string& brand, const std::string& locale) const {
  const auto files = brands_.files();
  const auto b = files->find(brand);
  if (b == files->end()) return std::nullopt;
  const auto t = b->second.templates.find(locale);
  if (t == b->second.templates.end()) return std::nullopt;
  const auto source = b->second.template_sources.find(locale);
  return FileTemplate{t->second.text(),
                      source == b->second.template_sources.end() ? "default" : source->second};
}

task<TemplateOutcome<TemplateList>> TemplateService::list(const Brand& brand) {
  const std::string id = brand.id.str();
  auto stored = co_await store_.all(id);
  if (!stored) co_return store_failure(stored.error());
  const auto& saved = stored.value().locales;
  std::vector<std::string> locales = brand.locales;
  for (const auto& [locale, t] : saved)
    if (std::find(locales.begin(), locales.end(), locale) == locales.end())
      locales.push_back(locale);
  TemplateList out{.brand = id};
  for (const auto& locale : locales) {
    const auto s = saved.find(locale);
    const std::int64_t version = s == saved.end() ? 0 : s->second.version;
    if (s != saved.end() && s->second.text) {
      out.templates.push_back(view_of(brand, locale, version, "api", *s->second.text));
      continue;
    }
    const auto file = file_template(id, locale);
    if (file) out.templates.push_back(view_of(brand, locale, version, file->source, file->text));
  }
  co_return out;
}

task<TemplateOutcome<TemplateView>> TemplateService::read(const TemplateTarget& t) {
  const std::string id = t.brand.id.str();
  auto stored = co_await store_.get(id, t.locale);
  if (!stored) co_return store_failure(stored.error());
  const auto file = file_template(id, t.locale);
  const bool api = stored.value().text.has_value();
  if (!api && !file) co_return no_template();
  const std::string& text = api ? *stored.value().text : file->text;
  TemplateView view =
      view_of(t.brand, t.locale, stored.value().version, api ? "api" : file->source, text);
  view.report = lint(text, t.locale, t.brand);
  co_return view;
}

task<TemplateOutcome<TemplateView>> TemplateService::write(const WriteTemplate& cmd) {
  const TemplateTarget& t = cmd.target;
  const LintReport report = lint(cmd.text, t.locale, t.brand);
  if (!report.ok()) co_return invalid(report);
  const TemplateChange change{.brand = t.brand.id.str(),
                              .locale = t.locale,
                              .expected_version = cmd.expected_version,
                              .text = cmd.text,
                              .action = "put",
                              .actor = cmd.actor,
                              .now_ms = clock_.now_ms(),
                              .retry = change_entry(keys_, t, cmd.actor, cmd.idempotency_key,
                                                    cmd.expected_version, "put\n" + cmd.text)};
  const std::string source = "api";
  auto saved = co_await save(change, t.brand, source, cmd.text, report);
  co_return saved;
}

task<TemplateOutcome<TemplatePreview>> TemplateService::preview(const PreviewTemplate& cmd) {
  const TemplateTarget& t = cmd.target;
  std::optional<std::string> text = cmd.text;
  if (!text) {
    const std::string id = t.brand.id.str();
    auto stored = co_await store_.get(id, t.locale);
    if (!stored) co_return store_failure(stored.error());
    const auto file = file_template(id, t.locale);
    if (stored.value().text)
      text = stored.value().text;
    else if (file)
      text = file->text;
    else
      co_return no_template();
  }
  LintReport report = lint(*text, t.locale, t.brand, cmd.order);
  if (!report.ok()) co_return invalid(std::move(report));
  co_return TemplatePreview{
      .brand = t.brand.id.str(), .locale = t.locale, .text = *text, .report = std::move(report)};
}

task<TemplateOutcome<TemplateHistory>> TemplateService::versions(const TemplateTarget& t) {
  const std::string id = t.brand.id.str();
  auto current = co_await store_.get(id, t.locale);
  if (!current) co_return store_failure(current.error());
  auto history = co_await store_.versions(id, t.locale);
  if (!history) co_return store_failure(history.error());
  co_return TemplateHistory{.brand = id,
                            .locale = t.locale,
                            .current_version = current.value().version,
                            .versions = std::move(history.value())};
}

task<TemplateOutcome<TemplateView>> TemplateService::rollback(const RollbackTemplate& cmd) {
  const TemplateTarget& t = cmd.target;
  const std::string id = t.brand.id.str();
  std::optional<std::string> text;  // nullopt: back to the files
  if (cmd.version > 0) {
    auto history = co_await store_.versions(id, t.locale);
    if (!history) co_return store_failure(history.error());
    const auto& h = history.value();
    const auto found = std::find_if(
        h.begin(), h.end(), [&](const TemplateVersion& v) { return v.version == cmd.version; });
    if (found == h.end())
      co_return failure(errc::not_found, "That version is not kept (the newest " +
                                             std::to_string(template_versions_kept) + " are).");
    text = found->text;
  }
  const auto file = file_template(id, t.locale);
  if (!text && !file) co_return no_template();
  const std::string shown = text ? *text : file->text;
  const LintReport report = lint(shown, t.locale, t.brand);
  if (!report.ok()) co_return invalid(report);
  const TemplateChange change{
      .brand = id,
      .locale = t.locale,
      .expected_version = cmd.expected_version,
      .text = text,
      .action = "rollback",
      .from_version = cmd.version,
      .actor = cmd.actor,
      .now_ms = clock_.now_ms(),
      .retry = change_entry(keys_, t, cmd.actor, cmd.idempotency_key, cmd.expected_version,
                            "rollback\n" + std::to_string(cmd.version))};
  const std::string source = text ? "api" : file->source;
  auto saved = co_await save(change, t.brand, source, shown, report);
  co_return saved;
}

task<TemplateOutcome<TemplateView>> TemplateService::save(const TemplateChange& change,
                                                          const Brand& brand,
                                                          const std::string& source,
                                                          const std::string& text,
                                                          const LintReport& report) {
  auto saved = co_await store_.save(change);
  if (!saved) co_return store_failure(saved.error());
  const std::int64_t version = saved.value().version;
  if (!saved.value().saved)
    co_return TemplateError{.code = errc::precondition_failed, .current_version = version};
  co_await apply_saved(change.brand);
  // Shown with the brands as they are now, the change laid over them.
  const auto after = brands_.current();
  const auto now = after->find(change.brand);
  TemplateView view =
      view_of(now == after->end() ? brand : now->second, change.locale, version, source, text);
  view.report = report;
  view.replayed = saved.value().replayed;
  co_return view;
}

// Lays the brand's stored templates over this process's brands (other processes follow within
// TemplateSync's period). A failed read leaves that to TemplateSync too.
task<void> TemplateService::apply_saved(const std::string& brand) {
  auto stored = co_await store_.all(brand);
  if (!stored) co_return;
  LocaleOverrides overrides;
  for (auto& [locale, t] : stored.value().locales)
    if (t.text) overrides.emplace(locale, TemplateOverride{t.version, std::move(*t.text)});
  const auto skipped =
      brands_.replace_overrides(brand, stored.value().revision, std::move(overrides), false);
  for (const auto& s : skipped)
    log::write(log::level::warn, "stored template not used, the file template applies",
               {{"template", s}});
}

}  // namespace otpgate
