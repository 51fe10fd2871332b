#include "otpgate/store/redis/subscriber_store.hpp"

#include "otpgate/core/code.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/util/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace otpgate {
namespace {

using redis::Reply;

std::int64_t number_of(const Reply& r) {
  if (r.type == Reply::kind::integer) return r.integer;
  std::int64_t v = 0;
  std::from_chars(r.str.data(), r.str.data() + r.str.size(), v);
  return v;
}

result<Reply> checked(result<Reply> reply) {
  if (!reply) return reply.error();
  if (reply.value().is_error()) {
    scripts::log_script_error(reply.value().str);
    return errc::store_protocol;
  }
  if (reply.value().type != Reply::kind::array) return errc::store_protocol;
  return reply;
}

}  // namespace

task<result<SubscriberState>> RedisSubscriberStore::lookup(const std::string& brand,
                                                           const PhoneNumber& phone,
                                                           std::int64_t now_ms) {
  const RetryEntry none;  // a local: g++ 12 mishandles temporaries inside co_await
  auto state = co_await run(brand, phone, now_ms, false, none);
  co_return state;
}

task<result<SubscriberState>> RedisSubscriberStore::unlock(const std::string& brand,
                                                           const PhoneNumber& phone,
                                                           std::int64_t now_ms,
                                                           const RetryEntry& retry) {
  auto state = co_await run(brand, phone, now_ms, true, retry);
  co_return state;
}

task<result<SubscriberState>> RedisSubscriberStore::run(const std::string& brand,
                                                        const PhoneNumber& phone,
                                                        std::int64_t now_ms, bool unlock,
                                                        const RetryEntry& retry) {
  const std::string tag = phone_tag(keys_, brand, phone.e164());
  std::vector<std::string> keys = {RedisKeys::lock(tag), RedisKeys::failures(tag),
                                   RedisKeys::lock_level(tag), RedisKeys::recent(tag)};
  std::vector<std::string> args = {unlock ? "1" : "0"};
  if (!retry.empty()) {
    // In the phone's slot, with the lock it records the removal of.
    keys.push_back(RedisKeys::idempotency(tag, retry.key));
    args.push_back(retry.fingerprint);
    args.push_back(std::to_string(admin_retry_ttl_ms));
  }
  auto raw = co_await conn_.eval(scripts::cached(scripts::subscriber_state), keys, args);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  const auto& e = reply.value().elements;
  if (e.size() == 1 && e[0].str == "idem_conflict") co_return errc::idempotency_conflict;
  if (e.size() < 5 || e.size() > 6 || e[3].type != Reply::kind::array)
    co_return errc::store_protocol;
  SubscriberState state;
  state.replayed = e.size() == 6;
  state.locked_for_ms = std::max<std::int64_t>(number_of(e[0]), 0);
  state.was_locked = number_of(e[4]) > 0;
  state.failed_checks = number_of(e[1]);
  state.lock_level = number_of(e[2]);
  std::vector<std::string> ids;
  for (const Reply& id : e[3].elements) ids.push_back(id.str);
  if (ids.empty()) co_return state;
  auto read = co_await read_records(tag, brand, ids, now_ms, state);
  if (read) co_return read;
  co_return state;
}

task<boost::system::error_code> RedisSubscriberStore::read_records(
    const std::string& tag, const std::string& brand, const std::vector<std::string>& ids,
    std::int64_t now_ms, SubscriberState& state) {
  std::vector<std::string> keys;
  for (const auto& id : ids) keys.push_back(RedisKeys::record(tag, id));
  const std::vector<std::string> args = {brand};
  auto raw = co_await conn_.eval(scripts::cached(scripts::subscriber_records), keys, args);
  auto reply = checked(std::move(raw));
  if (!reply) co_return reply.error();
  const auto& rows = reply.value().elements;
  if (rows.size() != ids.size()) co_return errc::store_protocol;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Reply& row = rows[i];
    if (row.type != Reply::kind::array) continue;  // expired, or not the brand's
    if (row.elements.size() != 5) co_return errc::store_protocol;
    const std::int64_t created = number_of(row.elements[1]);
    if (created >= now_ms - subscriber_sends_window_ms)
      state.sends_24h += number_of(row.elements[3]);
    if (state.recent.size() == subscriber_recent_shown) continue;
    std::string status = row.elements[0].str;
    // A pending record past its expiry is expired; the record changes on its next use.
    if (status == "pending" && now_ms >= number_of(row.elements[4])) status = "expired";
    state.recent.push_back(
        RecentVerification{ids[i], std::move(status), created, row.elements[2].str});
  }
  co_return boost::system::error_code();
}

}  // namespace otpgate
