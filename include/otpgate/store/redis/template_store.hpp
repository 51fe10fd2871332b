// Brand managers' template edits in Redis: the current text per brand and locale, its version
// history and the audit entry of each change, all written by one Lua script so a change is
// whole or absent. Keys of one brand share the hash tag {brand:<id>} (one cluster slot):
//   otp:{brand:<id>}:templates                    hash  rev, ver:<locale>, txt:<locale>
//   otp:{brand:<id>}:templates:<locale>:versions  list  newest first, the last 50 versions
//   otp:{brand:<id>}:audit                        stream, about 10,000 entries per brand
// These are configuration, not per-customer data: they have no TTL and are bounded in size.
#pragma once

#include "otpgate/app/ports.hpp"
#include "otpgate/redis/connection.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace otpgate {

inline constexpr std::size_t template_versions_kept = 50;

// A locale's template as stored: version 0 and no text when it was never edited.
struct StoredTemplate {
  std::int64_t version = 0;
  std::optional<std::string> text;  // nullopt: the brand's files apply
};

// All stored templates of a brand.
struct StoredTemplates {
  std::int64_t revision = 0;  // the brand's change counter
  std::map<std::string, StoredTemplate> locales;
};

// One entry of a locale's history.
struct TemplateVersion {
  std::int64_t version = 0;
  std::string action;               // "put" or "rollback"
  std::optional<std::string> text;  // nullopt: back to the files
  std::int64_t from_version = 0;    // rollback: the version restored
  std::string actor;                // the API key's id
  std::int64_t at_ms = 0;
};

struct TemplateChange {
  std::string brand;
  std::string locale;
  std::optional<std::int64_t> expected_version;  // nullopt: If-Match: *
  std::optional<std::string> text;               // nullopt: back to the files
  std::string action;                            // "put" or "rollback"
  std::int64_t from_version = 0;
  std::string actor;
  std::int64_t now_ms = 0;
};

struct SaveOutcome {
  bool saved = false;
  std::int64_t version = 0;  // the new version, or the current one when not saved
};

class TemplateStore {
 public:
  explicit TemplateStore(redis::Connection& conn) : conn_(conn) {}

  task<result<StoredTemplate>> get(const std::string& brand, const std::string& locale);
  // Every locale with a version (edited at least once), with the brand's change counter.
  task<result<StoredTemplates>> all(const std::string& brand);
  // Applies the change when the current version is the expected one.
  task<result<SaveOutcome>> save(const TemplateChange& change);
  // Newest first.
  task<result<std::vector<TemplateVersion>>> versions(const std::string& brand,
                                                      const std::string& locale);
  // The brand's change counter (0 when never edited).
  task<result<std::int64_t>> revision(const std::string& brand);

 private:
  redis::Connection& conn_;
};

}  // namespace otpgate
