// The brand managers' templates (/v1/brands/{brand}/templates...): list, read, write, preview,
// versions and rollback of a brand's verification text per locale. The rules live here: which
// locales may be addressed and changed, the lint's verdict, which text is in effect, and that a
// saved change is laid over this process's brands at once (BrandRegistry; other processes follow
// through TemplateSync). Storage is the TemplateStore port. The HTTP edge (api/brand_api.cpp)
// resolves the path with target() first, then parses the body, then calls one operation, so a
// bad path is answered before a bad body.
#pragma once

#include "otpgate/app/brand_registry.hpp"
#include "otpgate/core/errc.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/task.hpp"
#include "otpgate/ports/template_store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace otpgate {

// Why a template operation did not succeed.
struct TemplateError {
  errc code = errc::internal;
  std::string message;               // "" : the error's default public message
  LintReport report;                 // template_invalid: the problems
  std::int64_t current_version = 0;  // precondition_failed: the version now current
};

template <class T>
using TemplateOutcome = std::variant<T, TemplateError>;

// Reading a locale's template, or changing it (put and rollback): changes are taken only for
// the locales the brand offers.
enum class TemplateUse { read, change };

// One locale of one brand, as the path names it. `brand` belongs to the snapshot the caller
// holds until it has answered.
struct TemplateTarget {
  const Brand& brand;
  std::string locale;  // in the brand's spelling when the brand lists it ("de-AT")
};

// A locale's template as shown to brand managers.
struct TemplateView {
  std::string brand;
  std::string locale;
  std::int64_t version = 0;  // 0: never edited
  std::string source;        // "api", "brand" or "default"
  bool in_effect = false;    // false: the lint refused a saved text, the files' one applies
  std::string text;
  std::optional<LintReport> report;  // read, write, rollback: the lint of `text`
  bool replayed = false;  // write, rollback: the recorded save of an earlier request with its key
};

struct TemplateList {
  std::string brand;
  std::vector<TemplateView> templates;  // the brand's locales, then other stored ones; no report
};

struct TemplatePreview {
  std::string brand;
  std::string locale;
  std::string text;
  LintReport report;
};

struct TemplateHistory {
  std::string brand;
  std::string locale;
  std::int64_t current_version = 0;
  std::vector<TemplateVersion> versions;  // newest first, at most template_versions_kept
};

// PUT: a new text, saved when the current version is the expected one.
struct WriteTemplate {
  TemplateTarget target;
  std::optional<std::int64_t> expected_version;  // nullopt: If-Match: *
  std::string text;
  std::string actor;            // the API key's id
  std::string idempotency_key;  // the Idempotency-Key header, valid ("": none)
};

// POST .../preview: the text (nullopt: the one in effect) with an order's sample values.
struct PreviewTemplate {
  TemplateTarget target;
  std::optional<std::string> text;
  SampleOrder order;
};

// POST .../rollback: back to a kept version (0: the brand files' text).
struct RollbackTemplate {
  TemplateTarget target;
  std::optional<std::int64_t> expected_version;  // nullopt: If-Match: *
  std::int64_t version = 0;
  std::string actor;
  std::string idempotency_key;  // as WriteTemplate's
};

class TemplateService {
 public:
  TemplateService(BrandRegistry& brands, TemplateStore& store, const Clock& clock,
                  const Keyring& keys)
      : brands_(brands), store_(store), clock_(clock), keys_(keys) {}

  // The path's locale of `brand`: TEMPLATE_INVALID with INVALID_LOCALE when it is not a BCP 47
  // tag, or (for a change) LOCALE_NOT_OFFERED when the brand does not list it. No I/O.
  TemplateOutcome<TemplateTarget> target(const Brand& brand, std::string_view locale,
                                         TemplateUse use) const;

  task<TemplateOutcome<TemplateList>> list(const Brand& brand);
  // not_found when neither a saved text nor a file's applies.
  task<TemplateOutcome<TemplateView>> read(const TemplateTarget& t);
  // template_invalid (lint errors), precondition_failed (another version is current),
  // idempotency_conflict (the key's entry is another request's). With a key, a retry of a save
  // answers that save (replayed), whatever version is current now; refusals are not recorded.
  task<TemplateOutcome<TemplateView>> write(const WriteTemplate& cmd);
  task<TemplateOutcome<TemplatePreview>> preview(const PreviewTemplate& cmd);
  task<TemplateOutcome<TemplateHistory>> versions(const TemplateTarget& t);
  // As write, and not_found for a version no longer kept or no text to go back to.
  task<TemplateOutcome<TemplateView>> rollback(const RollbackTemplate& cmd);

 private:
  // The brand files' template for a locale (without saved versions), if there is one.
  struct FileTemplate {
    std::string text;
    std::string source;  // "brand" or "default"
  };
  std::optional<FileTemplate> file_template(const std::string& brand,
                                            const std::string& locale) const;
  // Saves; a saved change is laid over this process's brands at once, and the view (`text`
  // from `source`) shows the brands as they are then. precondition_failed with the current version
  // when not saved.
  task<TemplateOutcome<TemplateView>> save(const TemplateChange& change, const Brand& brand,
                                           const std::string& source, const std::string& text,
                                           const LintReport& report);
  task<void> apply_saved(const std::string& brand);

  BrandRegistry& brands_;
  TemplateStore& store_;
  const Clock& clock_;
  const Keyring& keys_;
};

}  // namespace otpgate
