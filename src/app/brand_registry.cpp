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

std::int64_t BrandRegistry::revision(const std::string& brand) const {
  std::lock_guard lock(mutex_);
  const auto it = overrides_.find(brand);
  return it == overrides_.end() ? -1 : it->second.first;
}

std::vector<std::string> BrandRegistry::ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, b] : *files_) out.push_back(id);
  return out;
}

std::vector<std::string> BrandRegistry::replace_files(BrandCatalog files) {
  std::lock_guard lock(mutex_);
  files_ = std::make_shared<const BrandCatalog>(std::move(files));
  return rebuild_locked();
}

std::vector<std::string> BrandRegistry::replace_overrides(const std::string& brand,
                                                          std::int64_t revision,
                                                          LocaleOverrides overrides,
                                                          bool authoritative) {
  std::lock_guard lock(mutex_);
  auto& entry = overrides_[brand];
  if (!authoritative && revision < entry.first) return {};
  entry = {revision, std::move(overrides)};
  const auto file = files_->find(brand);
  if (file == files_->end()) return {};
  std::vector<std::string> skipped;
  auto next = std::make_shared<BrandCatalog>(*current_);
  next->insert_or_assign(brand, effective(file->second, skipped));
  current_ = std::move(next);
  return skipped;
}

Brand BrandRegistry::effective(const Brand& file, std::vector<std::string>& skipped) const {
  Brand brand = file;
  const auto entry = overrides_.find(brand.id.str());
  if (entry == overrides_.end()) return brand;
  for (const auto& [locale, o] : entry->second.second) {
    // Linted again under the brand's policy now in effect: a reload may have tightened it.
    LintReport report = lint_template(o.text, locale, brand, sample_values(brand, locale));
    if (!report.ok() || !report.parsed) {
      std::string codes;
      for (const auto& p : report.problems)
        if (p.severity == LintSeverity::error) codes += (codes.empty() ? "" : ",") + p.code;
      skipped.push_back(brand.id.str() + "/" + locale + " v" + std::to_string(o.version) + ": " +
                        codes);
      continue;
    }
    brand.templates.insert_or_assign(locale, std::move(*report.parsed));
    brand.template_sources.insert_or_assign(locale, "api");
  }
  return brand;
}

std::vector<std::string> BrandRegistry::rebuild_locked() {
  std::vector<std::string> skipped;
  auto next = std::make_shared<BrandCatalog>();
  for (const auto& [id, file] : *files_) next->emplace(id, effective(file, skipped));
  current_ = std::move(next);
  return skipped;
}

}  // namespace otpgate
