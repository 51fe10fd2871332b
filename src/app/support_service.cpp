#include "otpgate/app/support_service.hpp"

#include "otpgate/app/retry_entry.hpp"

#include <utility>
#include <vector>

namespace otpgate {
namespace {

SupportError store_failure(const boost::system::error_code& e) {
  return SupportError{.code = to_errc(e)};
}

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields audit_fields(const SubscriberAction& a, bool unlock, const std::string& masked,
                    std::int64_t now) {
  Fields entry = {{"action", unlock ? "subscriber.unlock" : "subscriber.lookup"},
                  {"actor", a.actor},
                  {"target", masked},
                  {"at", std::to_string(now)}};
  if (unlock) entry.emplace_back("reason", a.reason);
  return entry;
}

}  // namespace

SupportOutcome<ParsedPhone> SupportService::phone(std::string_view e164) const {
  auto parsed = phones_.parse(e164);
  if (!parsed)
    return SupportError{.code = errc::invalid_argument,
                        .message =
                            "The phone number in the path must be a valid number in E.164 "
                            "format, such as +4915112345678 (or %2B4915112345678).",
                        .field = "phone_number"};
  return std::move(*parsed);
}

task<SupportOutcome<SubscriberView>> SupportService::lookup(const SubscriberAction& a) {
  auto out = co_await act(a, false);
  co_return out;
}

task<SupportOutcome<SubscriberView>> SupportService::unlock(const SubscriberAction& a) {
  auto out = co_await act(a, true);
  co_return out;
}

RetryEntry SupportService::unlock_entry(const SubscriberAction& a) const {
  // Scoped to the caller, the brand and the phone; the same request is the same reason. One
  // entry value serves both slots (the audit stream's and the phone's): the key names them apart.
  const RetryScope scope{
      .owner = a.actor, .brand = a.brand, .target = "subscribers/" + a.phone.number.e164()};
  return retry_entry(keys_, scope, a.idempotency_key, "unlock\n" + a.reason);
}

task<SupportOutcome<SubscriberView>> SupportService::act(const SubscriberAction& a, bool unlock) {
  const std::int64_t now = clock_.now_ms();
  const std::string masked = a.phone.number.masked();
  const RetryEntry retry = unlock ? unlock_entry(a) : RetryEntry{};
  // The entry comes first: an action the log cannot record is not done (503). A failure after
  // it leaves the entry of an attempt, which the caller's 503 reports; with a key, the retry
  // finds that entry and adds none.
  const Fields fields = audit_fields(a, unlock, masked, now);
  auto logged = co_await audit_.append_once(a.brand, fields, retry);
  if (!logged) co_return store_failure(logged.error());
  result<SubscriberState> state = errc::store_protocol;
  if (unlock)
    state = co_await subscribers_.unlock(a.brand, a.phone.number, now, retry);
  else
    state = co_await subscribers_.lookup(a.brand, a.phone.number, now);
  if (!state) co_return store_failure(state.error());
  // Only an unlock that freed a locked phone is one (analytics count unlocks); its replay frees
  // nothing and is not counted again.
  if (unlock && state.value().was_locked && !state.value().replayed)
    events_.publish(Event{.type = EventType::unlocked,
                          .brand = a.brand,
                          .phone_masked = masked,
                          .country = a.phone.country,
                          .at_ms = now});
  co_return SubscriberView{
      .brand = a.brand, .phone_masked = masked, .state = std::move(state.value()), .now_ms = now};
}

task<SupportOutcome<AuditPage>> SupportService::audit_page(const AuditQuery& q) {
  auto page = co_await audit_.page(q.brand, q.before, q.limit);
  if (!page) co_return store_failure(page.error());
  co_return std::move(page.value());
}

}  // namespace otpgate
