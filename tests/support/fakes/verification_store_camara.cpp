// FakeVerificationStore::supersede_camara: decide_supersede and retired_expiry
// (core/camara_otp.hpp) on the in-memory records, as lua/camara_supersede.lua does on Redis.
#include "support/fakes/verification_store.hpp"

namespace otpgate::test {
namespace {

camara::SupersedeState state_of(const VerificationRecord& r) {
  return {.status = r.status, .created_ms = r.created_ms, .expires_ms = r.expires_ms};
}

void retire(VerificationRecord& r, std::int64_t now_ms) {
  if (const auto until = camara::retired_expiry(state_of(r), now_ms)) r.expires_ms = *until;
}

}  // namespace

task<result<camara::Superseded>> FakeVerificationStore::supersede_camara(
    const VerificationRecord& newer, std::int64_t now_ms) {
  errc e{};
  if (failing("supersede_camara", e)) co_return make_error_code(e);
  const auto mine = records.find(newer.id.str());
  if (mine == records.end()) co_return errc::store_protocol;
  const std::string tag(newer.id.tag());
  const auto latest_id = camara_latest.find(tag);
  auto latest = records.end();
  if (latest_id != camara_latest.end() && latest_id->second != newer.id.str())
    latest = records.find(latest_id->second);
  std::optional<camara::SupersedeState> before;
  if (latest != records.end()) before = state_of(latest->second);
  const auto d = camara::decide_supersede(before, state_of(mine->second));
  if (d.retire == camara::Superseded::newer) retire(mine->second, now_ms);
  if (d.retire == camara::Superseded::latest) retire(latest->second, now_ms);
  if (d.newer_becomes_latest) camara_latest[tag] = newer.id.str();
  co_return d.retire;
}

}  // namespace otpgate::test
