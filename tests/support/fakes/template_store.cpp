#include "support/fakes/template_store.hpp"

#include "otpgate/core/idempotency.hpp"

namespace otpgate::test {
namespace {

std::optional<errc> failure(const FakeTemplateStore& store, const std::string& brand) {
  if (store.fail) return store.fail;
  if (store.failing.count(brand)) return errc::store_unavailable;
  return std::nullopt;
}

}  // namespace

task<result<StoredTemplate>> FakeTemplateStore::get(const std::string& brand,
                                                    const std::string& locale) {
  if (const auto e = failure(*this, brand)) co_return make_error_code(*e);
  const auto b = brands.find(brand);
  if (b == brands.end()) co_return StoredTemplate{};
  const auto l = b->second.locales.find(locale);
  co_return l == b->second.locales.end() ? StoredTemplate{} : l->second;
}

task<result<StoredTemplates>> FakeTemplateStore::all(const std::string& brand) {
  ++all_calls;
  if (const auto e = failure(*this, brand)) co_return make_error_code(*e);
  co_return brands[brand];
}

task<result<SaveOutcome>> FakeTemplateStore::save(const TemplateChange& change) {
  ++saves;
  if (const auto e = failure(*this, change.brand)) co_return make_error_code(*e);
  const auto prior = retries.find(change.retry.key);
  if (!change.retry.empty() && prior != retries.end()) {
    const std::string_view recorded = prior->second.first;
    if (judge_retry(recorded, change.retry.fingerprint) == RetryVerdict::conflict)
      co_return make_error_code(errc::idempotency_conflict);
    SaveOutcome replay = prior->second.second;
    replay.replayed = true;
    co_return replay;
  }
  StoredTemplates& b = brands[change.brand];
  StoredTemplate& t = b.locales[change.locale];
  if (change.expected_version && *change.expected_version != t.version)
    co_return SaveOutcome{.saved = false, .version = t.version};
  t.version += 1;
  t.text = change.text;
  b.revision += 1;
  auto& h = history[change.brand + "|" + change.locale];
  h.insert(h.begin(), TemplateVersion{.version = t.version,
                                      .action = change.action,
                                      .text = change.text,
                                      .from_version = change.from_version,
                                      .actor = change.actor,
                                      .at_ms = change.now_ms});
  if (h.size() > template_versions_kept) h.resize(template_versions_kept);
  const SaveOutcome saved{.saved = true, .version = t.version};
  if (!change.retry.empty()) retries[change.retry.key] = {change.retry.fingerprint, saved};
  co_return saved;
}

task<result<std::vector<TemplateVersion>>> FakeTemplateStore::versions(const std::string& brand,
                                                                       const std::string& locale) {
  if (const auto e = failure(*this, brand)) co_return make_error_code(*e);
  co_return history[brand + "|" + locale];
}

task<result<std::int64_t>> FakeTemplateStore::revision(const std::string& brand) {
  if (const auto e = failure(*this, brand)) co_return make_error_code(*e);
  const auto b = brands.find(brand);
  co_return b == brands.end() ? std::int64_t{0} : b->second.revision;
}

}  // namespace otpgate::test
