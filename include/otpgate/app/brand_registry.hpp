// The brands in effect: the brand files (replaced as a whole on SIGHUP) with the brand managers'
// template edits from Redis laid over them. Readers take an immutable snapshot and keep it for
// the request, so a reload or an edit never changes a brand under a running request. Shared by
// all io threads.
#pragma once

#include "otpgate/core/brand.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace otpgate {

// A brand manager's template text for one locale, as stored in Redis.
struct TemplateOverride {
  std::int64_t version = 0;
  std::string text;
};
using LocaleOverrides = std::map<std::string, TemplateOverride>;

class BrandRegistry {
 public:
  explicit BrandRegistry(BrandCatalog files);
  BrandRegistry(const BrandRegistry&) = delete;
  BrandRegistry& operator=(const BrandRegistry&) = delete;

  // The brands now in effect. Cheap (a lock and a reference count); never null.
  std::shared_ptr<const BrandCatalog> current() const;
  // The brand files alone, without overrides.
  std::shared_ptr<const BrandCatalog> files() const;
  // The change counter of the brand's overrides in effect; -1 before any were loaded.
  std::int64_t revision(const std::string& brand) const;
  // The ids of the brand files now loaded.
  std::vector<std::string> ids() const;

  // New brand files (a reload): the overrides stay and are laid over them again. Returns the
  // overrides left out (see replace_overrides), for the log.
  std::vector<std::string> replace_files(BrandCatalog files);
  // All overrides of one brand as of the brand's change counter `revision`, replacing the
  // earlier set. Unless `authoritative`, a set older than the one in effect is ignored, so a
  // saving request racing the poller cannot put an old set back; the poller is authoritative
  // (it read the whole set at once), so a counter that went backwards (a Redis restored from a
  // backup, a deleted key) is followed too. An override that does not pass the lint under the
  // brand's current policy is left out (the file template applies) and named in the result as
  // "brand/locale vN: CODES", for the log. Only this brand is rebuilt.
  std::vector<std::string> replace_overrides(const std::string& brand, std::int64_t revision,
                                             LocaleOverrides overrides, bool authoritative);

 private:
  std::vector<std::string> rebuild_locked();
  // The file brand with its overrides laid over it.
  Brand effective(const Brand& file, std::vector<std::string>& skipped) const;

  mutable std::mutex mutex_;
  std::shared_ptr<const BrandCatalog> files_;
  std::map<std::string, std::pair<std::int64_t, LocaleOverrides>> overrides_;
  std::shared_ptr<const BrandCatalog> current_;
};

}  // namespace otpgate
