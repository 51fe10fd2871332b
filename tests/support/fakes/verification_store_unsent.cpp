// FakeVerificationStore's index of unsent first sends (the deadline sweep's side), apart from
// the verification operations in verification_store.cpp.
#include "support/fakes/verification_store.hpp"

#include "otpgate/core/first_send.hpp"

#include <algorithm>

namespace otpgate::test {

task<result<std::vector<VerificationId>>> FakeVerificationStore::overdue_first_sends(
    std::int64_t now_ms, std::size_t limit) {
  errc e{};
  if (failing("overdue_first_sends", e)) co_return make_error_code(e);
  std::vector<std::pair<std::int64_t, std::string>> due;
  for (const auto& [id, at] : unsent)
    if (at <= now_ms) due.emplace_back(at, id);
  std::sort(due.begin(), due.end());
  std::vector<VerificationId> ids;
  for (const auto& [at, id] : due)
    if (ids.size() < limit) ids.push_back(*VerificationId::parse(id));
  co_return ids;
}

task<result<bool>> FakeVerificationStore::forget_first_send(const VerificationId& id) {
  errc e{};
  if (failing("forget_first_send", e)) co_return make_error_code(e);
  co_return unsent.erase(id.str()) == 1;
}

task<result<std::optional<VerificationRecord>>> FakeVerificationStore::end_overdue_send(
    const VerificationId& id, std::int64_t now_ms) {
  errc e{};
  if (failing("end_overdue_send", e)) co_return make_error_code(e);
  const auto it = records.find(id.str());
  const std::int64_t due = send_due[id.str()];
  if (it != records.end() && awaits_first_send(it->second) && now_ms < send_deadline_ms(due)) {
    unsent[id.str()] = send_deadline_ms(due);  // claimed meanwhile: looked at again then
    co_return std::optional<VerificationRecord>();
  }
  unsent.erase(id.str());
  if (it == records.end() || !apply_send_deadline(it->second, due, now_ms))
    co_return std::optional<VerificationRecord>();
  co_return std::optional(it->second);
}

}  // namespace otpgate::test
