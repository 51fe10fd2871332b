// In-memory fakes of the ports behind the brand services (app/template_service,
// app/support_service), for their unit tests: no Redis. Each can be told to fail with an errc,
// and the audit log and the subscriber store write what they were asked into a shared journal,
// so a test can check the order of the calls.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/ports/audit_log.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/phone_parser.hpp"
#include "otpgate/ports/subscriber_store.hpp"
#include "otpgate/ports/template_store.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace otpgate::test {

class FakeTemplateStore final : public TemplateStore {
 public:
  struct BrandTemplates {
    std::int64_t revision = 0;
    std::map<std::string, StoredTemplate> locales;
    std::map<std::string, std::vector<TemplateVersion>> history;  // newest first
  };
  std::map<std::string, BrandTemplates> brands;
  std::optional<errc> fail;  // every call answers this error
  int saves = 0;             // calls of save(), answered or not

  task<result<StoredTemplate>> get(const std::string& brand, const std::string& locale) override {
    if (fail) co_return *fail;
    const auto& l = brands[brand].locales;
    const auto t = l.find(locale);
    co_return t == l.end() ? StoredTemplate{} : t->second;
  }
  task<result<StoredTemplates>> all(const std::string& brand) override {
    if (fail) co_return *fail;
    co_return StoredTemplates{brands[brand].revision, brands[brand].locales};
  }
  task<result<SaveOutcome>> save(const TemplateChange& c) override {
    ++saves;
    if (fail) co_return *fail;
    BrandTemplates& b = brands[c.brand];
    StoredTemplate& t = b.locales[c.locale];
    if (c.expected_version && *c.expected_version != t.version)
      co_return SaveOutcome{.saved = false, .version = t.version};
    t = StoredTemplate{t.version + 1, c.text};
    ++b.revision;
    auto& h = b.history[c.locale];
    h.insert(h.begin(), TemplateVersion{.version = t.version,
                                        .action = c.action,
                                        .text = c.text,
                                        .from_version = c.from_version,
                                        .actor = c.actor,
                                        .at_ms = c.now_ms});
    if (h.size() > template_versions_kept) h.pop_back();
    co_return SaveOutcome{.saved = true, .version = t.version};
  }
  task<result<std::vector<TemplateVersion>>> versions(const std::string& brand,
                                                      const std::string& locale) override {
    if (fail) co_return *fail;
    co_return brands[brand].history[locale];
  }
  task<result<std::int64_t>> revision(const std::string& brand) override {
    if (fail) co_return *fail;
    co_return brands[brand].revision;
  }
};

class FakeAuditLog final : public AuditLog {
 public:
  explicit FakeAuditLog(std::vector<std::string>& journal) : journal_(journal) {}
  std::map<std::string, std::vector<AuditEntry>> entries;  // by brand, oldest first
  std::optional<errc> fail;
  // The last page() call's arguments.
  std::string paged_brand, paged_before;
  std::size_t paged_limit = 0;

  task<result<AuditPage>> page(const std::string& brand, const std::string& before,
                               std::size_t limit) override {
    paged_brand = brand;
    paged_before = before;
    paged_limit = limit;
    if (fail) co_return *fail;
    AuditPage p;
    const auto& all = entries[brand];
    for (auto e = all.rbegin(); e != all.rend() && p.entries.size() < limit; ++e)
      if (before.empty() || e->id < before) p.entries.push_back(*e);
    co_return p;
  }
  task<result<std::string>> append(
      const std::string& brand,
      const std::vector<std::pair<std::string, std::string>>& fields) override {
    journal_.push_back("audit.append");
    if (fail) co_return *fail;
    auto& all = entries[brand];
    const std::string id = std::to_string(1000 + all.size()) + "-0";
    all.push_back(AuditEntry{id, fields});
    co_return id;
  }

 private:
  std::vector<std::string>& journal_;
};

class FakeSubscriberStore final : public SubscriberStore {
 public:
  explicit FakeSubscriberStore(std::vector<std::string>& journal) : journal_(journal) {}
  std::map<std::string, SubscriberState> states;  // by "brand|e164"
  std::optional<errc> fail;
  std::int64_t last_now_ms = 0;

  task<result<SubscriberState>> lookup(const std::string& brand, const PhoneNumber& phone,
                                       std::int64_t now_ms) override {
    journal_.push_back("subscribers.lookup");
    last_now_ms = now_ms;
    if (fail) co_return *fail;
    co_return states[brand + "|" + phone.e164()];
  }
  task<result<SubscriberState>> unlock(const std::string& brand, const PhoneNumber& phone,
                                       std::int64_t now_ms) override {
    journal_.push_back("subscribers.unlock");
    last_now_ms = now_ms;
    if (fail) co_return *fail;
    SubscriberState& s = states[brand + "|" + phone.e164()];
    s.was_locked = s.locked_for_ms > 0;
    s.locked_for_ms = 0;
    s.failed_checks = 0;
    co_return s;
  }

 private:
  std::vector<std::string>& journal_;
};

// German numbers only: "+49" and 10 to 12 more digits, a mobile line.
class FakePhoneParser final : public PhoneParser {
 public:
  std::optional<ParsedPhone> parse(std::string_view e164) const override {
    if (e164.substr(0, 3) != "+49" || e164.size() < 13 || e164.size() > 15) return std::nullopt;
    auto number = PhoneNumber::parse_e164(e164);
    if (!number) return std::nullopt;
    return ParsedPhone{*number, "DE", LineType::mobile};
  }
};

class RecordingEventSink final : public EventSink {
 public:
  std::vector<Event> events;
  void publish(const Event& e) override { events.push_back(e); }
};

}  // namespace otpgate::test
