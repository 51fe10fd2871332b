// In-memory fakes of the ports behind the support service (app/support_service): the audit log,
// the subscriber store and a phone parser; no Redis. Each can be told to fail with an errc, and
// the audit log and the subscriber store write what they were asked into a shared journal, so a
// test can check the order of the calls. An Idempotency-Key's entries are judged as
// judge_retry (core/idempotency.hpp) does, as the Redis scripts do. (The template store and event
// sink fakes are in fakes/template_store.hpp and fakes/event_sink.hpp.)
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/core/idempotency.hpp"
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
  task<result<AuditAppend>> append_once(
      const std::string& brand, const std::vector<std::pair<std::string, std::string>>& fields,
      const RetryEntry& retry) override {
    if (retry.empty()) {
      auto id = co_await append(brand, fields);
      if (!id) co_return id.error();
      co_return AuditAppend{.id = id.value()};
    }
    journal_.push_back("audit.append_once");
    if (fail) co_return *fail;
    const auto prior = retries.find(retry.key);
    const auto verdict =
        judge_retry(prior == retries.end() ? std::nullopt
                                           : std::optional<std::string_view>(prior->second.first),
                    retry.fingerprint);
    if (verdict == RetryVerdict::conflict) co_return errc::idempotency_conflict;
    if (verdict == RetryVerdict::replay)
      co_return AuditAppend{.id = prior->second.second, .replayed = true};
    auto& all = entries[brand];
    const std::string id = std::to_string(1000 + all.size()) + "-0";
    all.push_back(AuditEntry{id, fields});
    retries[retry.key] = {retry.fingerprint, id};
    co_return AuditAppend{.id = id};
  }
  // By entry key: the request's fingerprint and the entry it appended.
  std::map<std::string, std::pair<std::string, std::string>> retries;

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
                                       std::int64_t now_ms, const RetryEntry& retry) override {
    journal_.push_back("subscribers.unlock");
    last_now_ms = now_ms;
    if (fail) co_return *fail;
    const auto prior = retries.find(retry.key);
    if (!retry.empty() && prior != retries.end()) {
      if (prior->second.first != retry.fingerprint) co_return errc::idempotency_conflict;
      SubscriberState replay = prior->second.second;
      replay.replayed = true;
      co_return replay;
    }
    SubscriberState& s = states[brand + "|" + phone.e164()];
    s.was_locked = s.locked_for_ms > 0;
    s.locked_for_ms = 0;
    s.failed_checks = 0;
    if (!retry.empty()) retries[retry.key] = {retry.fingerprint, s};
    co_return s;
  }
  // By entry key: the request's fingerprint and the state its unlock answered.
  std::map<std::string, std::pair<std::string, SubscriberState>> retries;

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
