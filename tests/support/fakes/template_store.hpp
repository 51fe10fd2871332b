// The TemplateStore port in memory: each brand's saved templates, their history and change
// counter; a save applies when the expected version is the current one (template_save.lua),
// and with an Idempotency-Key it is judged by judge_retry first and recorded when saved.
#pragma once

#include "otpgate/ports/template_store.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace otpgate::test {

class FakeTemplateStore final : public TemplateStore {
 public:
  task<result<StoredTemplate>> get(const std::string& brand, const std::string& locale) override;
  task<result<StoredTemplates>> all(const std::string& brand) override;
  task<result<SaveOutcome>> save(const TemplateChange& change) override;
  task<result<std::vector<TemplateVersion>>> versions(const std::string& brand,
                                                      const std::string& locale) override;
  task<result<std::int64_t>> revision(const std::string& brand) override;

  std::map<std::string, StoredTemplates> brands;
  std::map<std::string, std::vector<TemplateVersion>> history;  // by brand|locale, newest first
  std::set<std::string> failing;  // brands whose every call answers store_unavailable
  std::optional<errc> fail;       // when set, every call of every brand answers it
  int all_calls = 0;
  int saves = 0;  // calls of save(), answered or not
  // Recorded saves by entry key: the fingerprint and the outcome.
  std::map<std::string, std::pair<std::string, SaveOutcome>> retries;
};

}  // namespace otpgate::test
