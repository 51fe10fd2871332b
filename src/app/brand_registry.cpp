#include "otpgate/app/brand_registry.hpp"

#include "otpgate/core/template_lint.hpp"

namespace otpgate {

BrandRegistry::BrandRegistry(BrandCatalog files)
    : files_(std::make_shared<const BrandCatalog>(std::move(files))), current_(files_) {}

std::shared_ptr<const BrandCatalog> BrandRegistry::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<const BrandCatalog> BrandRegistry::files() const {
  std::lock_guard lock(mutex_);
  return files_;
}

std::vector<std::string> BrandRegistry::ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, b] : *files_) out.push_back(id);
  return out;
}

void BrandRegistry::replace_files(BrandCatalog files) {
  std::lock_guard lock(mutex_);
  files_ = std::make_shared<const BrandCatalog>(std::move(files));
  rebuild_locked();
}

std::vector<std::string> BrandRegistry::replace_overrides(const std::string& brand,
                                                          std::int64_t revision,
                                                          LocaleOverrides overrides) {
  std::lock_guard lock(mutex_);
  auto& entry = overrides_[brand];
  if (revision < entry.first) return {};
  entry = {revision, std::move(overrides)};
  return rebuild_locked();
}

std::vector<std::string> BrandRegistry::rebuild_locked() {
  std::vector<std::string> skipped;
  auto next = std::make_shared<BrandCatalog>(*files_);
  for (const auto& [brand_id, entry] : overrides_) {
    const auto b = next->find(brand_id);
    if (b == next->end()) continue;
    Brand& brand = b->second;
    for (const auto& [locale, o] : entry.second) {
      // Linted again under the brand's policy now in effect: a reload may have tightened it.
      LintReport report = lint_template(o.text, locale, brand, sample_values(brand, locale));
      if (!report.ok() || !report.parsed) {
        std::string codes;
        for (const auto& p : report.problems)
          if (p.severity == LintSeverity::error) codes += (codes.empty() ? "" : ",") + p.code;
        skipped.push_back(brand_id + "/" + locale + " v" + std::to_string(o.version) + ": " +
                          codes);
        continue;
      }
      brand.templates.insert_or_assign(locale, std::move(*report.parsed));
      brand.template_sources.insert_or_assign(locale, "api");
    }
  }
  current_ = std::move(next);
  return skipped;
}

}  // namespace otpgate
