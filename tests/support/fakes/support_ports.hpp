// In-memory fakes of the ports behind the support service (app/support_service): the audit log,
// the subscriber store and a phone parser; no Redis. Each can be told to fail with an errc, and
// the audit log and the subscriber store write what they were asked into a shared journal, so a
// test can check the order of the calls. (The template store and event sink fakes are in
// fakes/template_store.hpp and fakes/event_sink.hpp.)
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/ports/audit_log.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/phone_parser.hpp"
#include "otpgate/ports/subscriber_store.hpp"
#include "otpgate/ports/template_store.hpp"

#include "support/fakes/event_sink.hpp"
#include "support/fakes/template_store.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace otpgate::test {

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

}  // namespace otpgate::test
