// Port: the brand managers' saved templates (text and version per brand and locale, the
// versions' history, the brand's change counter). A change is whole or absent, with its audit
// entry. Production: store/redis/template_store.hpp.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/ports/retry_entry.hpp"
#include "otpgate/ports/task.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace otpgate {

// How many versions of a locale the history keeps (the newest).
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
  // The request's Idempotency-Key (empty: none), kept in the brand's slot for
  // admin_retry_ttl_ms; only a save is recorded under it.
  RetryEntry retry;
};

struct SaveOutcome {
  bool saved = false;
  std::int64_t version = 0;  // the new version, or the current one when not saved
  bool replayed = false;     // the recorded save of an earlier request with the key
};

class TemplateStore {
 public:
  virtual ~TemplateStore() = default;
  virtual task<result<StoredTemplate>> get(const std::string& brand, const std::string& locale) = 0;
  // Every locale with a version (edited at least once), with the brand's change counter.
  virtual task<result<StoredTemplates>> all(const std::string& brand) = 0;
  // Applies the change when the current version is the expected one. With change.retry, its
  // entry is judged first, in the same call (judge_retry): a replay answers the recorded save
  // and changes nothing, another request's entry answers errc::idempotency_conflict.
  virtual task<result<SaveOutcome>> save(const TemplateChange& change) = 0;
  // Newest first.
  virtual task<result<std::vector<TemplateVersion>>> versions(const std::string& brand,
                                                              const std::string& locale) = 0;
  // The brand's change counter (0 when never edited).
  virtual task<result<std::int64_t>> revision(const std::string& brand) = 0;
};

}  // namespace otpgate
