#include "otpgate/store/redis/redis_store.hpp"

#include "script_calls.hpp"

#include "otpgate/core/first_send.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/util/log_limit.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>

namespace otpgate {

using redis::Reply;
// The script calls and their decoding, shared with nothing else (script_calls.hpp).
using namespace store_calls;

std::string RedisKeys::record(const VerificationId& id) {
  return record(id.tag(), id.str());
}
std::string RedisKeys::record(std::string_view tag, std::string_view id) {
  return "otp:{" + std::string(tag) + "}:v:" + std::string(id);
}
std::string RedisKeys::idempotency(std::string_view tag, std::string_view key_mac) {
  return "otp:{" + std::string(tag) + "}:idem:" + std::string(key_mac);
}
std::string RedisKeys::failures(std::string_view tag) {
  return "otp:{" + std::string(tag) + "}:fails";
}
std::string RedisKeys::lock(std::string_view tag) {
  return "otp:{" + std::string(tag) + "}:lock";
}
std::string RedisKeys::lock_level(std::string_view tag) {
  return "otp:{" + std::string(tag) + "}:locklvl";
}
std::string RedisKeys::recent(std::string_view tag) {
  return "otp:{" + std::string(tag) + "}:recent";
}
std::string RedisKeys::unsent() {
  return "otp:{unsent}:creates";
}

RedisStore::RedisStore(redis::Connection& conn) : conn_(conn) {}

bool RedisStore::ready() const {
  return conn_.connected();
}

namespace {

// The phone's rate limit keys, one per enabled rate (the phone's slot: its tag).
// The keys of a phone's rate limits for a brand.
std::vector<std::string> phone_rate_keys(const std::string& brand, const std::string& tag,
                                         const std::vector<Rate>& rates) {
  std::vector<std::string> keys;
  const RateSubject phone{.scope = LimitScope::phone, .brand = brand, .id = tag};
  for (const Rate& r : rates) keys.push_back(RedisKeys::rate(phone, r));
  return keys;
}

// An action's Idempotency-Key entry and fingerprint, after the script's own keys and arguments.
void add_retry(const VerificationId& id, const RetryEntry& retry, std::vector<std::string>& keys,
               std::vector<std::string>& args) {
  if (retry.empty()) return;
  keys.push_back(RedisKeys::idempotency(id.tag(), retry.key));
  args.push_back(retry.fingerprint);
}

std::vector<std::string> phone_rate_keys(const NewVerification& v) {
  return phone_rate_keys(v.record.brand, v.tag, v.phone_rates);
}

std::string idempotency_key_of(const NewVerification& v) {
  return RedisKeys::idempotency(
      v.tag, v.idempotency_key.empty() ? std::string("none") : v.idempotency_key);
}

result<CreateOutcome> create_outcome(Transition& t, const VerificationRecord& created) {
  CreateOutcome out;
  if (t.tag == "created") {
    out.record = created;
  } else if (t.tag == "blocked" || t.tag == "limited") {
    out.what = t.tag == "blocked" ? CreateOutcome::kind::blocked : CreateOutcome::kind::limited;
    out.retry_after_ms = t.number;
  } else if (t.tag == "idem_conflict") {
    out.what = CreateOutcome::kind::idempotency_conflict;
  } else if (t.tag == "in_flight") {
    out.what = CreateOutcome::kind::in_flight;
  } else if (t.tag == "replay" || t.tag == "claimed" || t.tag == "failed") {
    // The first request's record came with the answer; without one it has expired.
    if (!t.record) return errc::not_found;
    out.what = t.tag == "claimed" ? CreateOutcome::kind::claimed : CreateOutcome::kind::replayed;
    out.send_failed_now = t.tag == "failed";
    out.record = std::move(*t.record);
  } else {
    return errc::store_protocol;
  }
  return out;
}

}  // namespace

task<result<CreateOutcome>> RedisStore::create(const NewVerification& v, std::int64_t now_ms) {
  const auto& rec = v.record;
  std::vector<std::string> args = {std::to_string(now_ms),
                                   std::to_string(rec.expires_ms - now_ms + v.retention_ms),
                                   v.request_fingerprint,
                                   std::to_string(v.retention_ms),
                                   rec.id.str(),
                                   std::to_string(RedisKeys::recent_kept),
                                   std::to_string(v.in_flight_ms),
                                   std::to_string(v.phone_rates.size())};
  for (const Rate& r : v.phone_rates) {
    args.push_back(std::to_string(r.interval_ms()));
    args.push_back(std::to_string(r.count));
  }
  for (auto& f : record_to_fields(rec)) args.push_back(std::move(f));
  // Named vectors, not braced temporaries, in co_await expressions: g++ 12 miscompiles
  // initializer lists inside coroutine suspension expressions ("array used as initializer").
  std::vector<std::string> keys = {RedisKeys::record(v.tag, rec.id.str()), idempotency_key_of(v),
                                   RedisKeys::lock(v.tag), RedisKeys::recent(v.tag)};
  for (auto& k : phone_rate_keys(v)) keys.push_back(std::move(k));
  // Noted before the create runs: a timeout cannot tell whether it ran, and the sweep must find
  // every first send that may be left unsent. One pipeline, one round trip: written in this
  // order on one connection, Redis runs the note first.
  const std::int64_t deadline = send_deadline_ms(now_ms + v.in_flight_ms);
  std::vector<redis::Call> calls = note_unsent(rec.id, deadline, v.retention_ms);
  calls.push_back(redis::Call::eval(scripts::cached(scripts::create), keys, args));
  auto replies = co_await conn_.pipeline(calls);
  if (!replies) co_return replies.error();
  if (const auto failed = note_failure(replies.value())) {
    // The create may have run unnoted (the same fault, out of memory say, usually refuses it
    // too): the answer is an error, which an idempotent retry finishes (a claim of its send).
    static log::limited lines;  // Redis refusing it would fail every create
    lines.write(log::level::error, "redis note of an unsent first send failed", [&] {
      return nlohmann::json{{"error", *failed}};
    });
    co_return errc::store_protocol;
  }
  auto t = decode(replies.value().back());
  if (!t) co_return t.error();
  co_return create_outcome(t.value(), rec);
}

std::vector<redis::Call> RedisStore::note_unsent(const VerificationId& id, std::int64_t due_ms,
                                                 std::int64_t ttl_ms) {
  // The index (one key, its own slot) scored by the send's deadline, read by the sweep that ends
  // overdue first sends (send_deadline.lua). Its TTL is kept at least ttl_ms: GT lengthens a
  // shorter one, NX sets one on an index that has none (the ZADD made it). Plain commands, not
  // a script (which cost Redis about twice as much, docs/benchmarks.md) nor a MULTI/EXEC (two
  // more commands per create): written back to back on one connection, Redis runs them in this
  // order, and the order alone keeps the index from expiring between the ZADD and its TTL. GT
  // comes first, so an index about to expire is lengthened before the id goes in; one the ZADD
  // creates has no TTL, so nothing can expire it before NX gives it one. A connection lost after
  // Redis read the ZADD and before the NX leaves an index without a TTL until the next create's
  // NX (as a sweep's ZADD of a claimed send can): it is drained by the sweep all the same.
  const std::string key = RedisKeys::unsent();
  const std::string ttl = std::to_string(ttl_ms);
  return {redis::Call::command({"PEXPIRE", key, ttl, "GT"}),
          redis::Call::command({"ZADD", key, std::to_string(due_ms), id.str()}),
          redis::Call::command({"PEXPIRE", key, ttl, "NX"})};
}

std::optional<std::string> RedisStore::note_failure(const std::vector<Reply>& replies) {
  // The note's replies, the create's last.
  if (replies.size() < 2) return "unexpected replies";
  for (std::size_t i = 0; i + 1 < replies.size(); ++i)
    if (replies[i].is_error()) return replies[i].str;
  return std::nullopt;
}

task<result<std::vector<VerificationId>>> RedisStore::overdue_first_sends(std::int64_t now_ms,
                                                                          std::size_t limit) {
  const std::vector<std::string> cmd = {
      "ZRANGEBYSCORE",      RedisKeys::unsent(), "-inf", std::to_string(now_ms), "LIMIT", "0",
      std::to_string(limit)};
  auto reply = co_await conn_.command(cmd);
  if (!reply) co_return reply.error();
  if (reply.value().type != Reply::kind::array) co_return errc::store_protocol;
  std::vector<VerificationId> ids;
  for (const Reply& e : reply.value().elements)
    if (auto id = VerificationId::parse(e.str)) ids.push_back(std::move(*id));
  co_return ids;
}

task<result<std::size_t>> RedisStore::forget_first_sends(const std::vector<VerificationId>& ids) {
  if (ids.empty()) co_return std::size_t{0};
  std::vector<std::string> cmd = {"ZREM", RedisKeys::unsent()};
  cmd.reserve(2 + ids.size());
  for (const VerificationId& id : ids) cmd.push_back(id.str());
  auto reply = co_await conn_.command(cmd);
  if (!reply) co_return reply.error();
  if (reply.value().type != Reply::kind::integer) co_return errc::store_protocol;
  co_return static_cast<std::size_t>(reply.value().integer);
}

task<result<bool>> RedisStore::forget_first_send(const VerificationId& id) {
  const std::vector<std::string> cmd = {"ZREM", RedisKeys::unsent(), id.str()};
  auto reply = co_await conn_.command(cmd);
  if (!reply) co_return reply.error();
  if (reply.value().type != Reply::kind::integer) co_return errc::store_protocol;
  co_return reply.value().integer == 1;
}

task<result<std::optional<VerificationRecord>>> RedisStore::end_overdue_send(
    const VerificationId& id, std::int64_t now_ms) {
  const std::vector<std::string> keys = {RedisKeys::record(id)};
  const std::vector<std::string> args = {std::to_string(now_ms),
                                         std::to_string(unsent_retry_window_ms)};
  auto t = co_await run_script(conn_, scripts::send_deadline, keys, args);
  if (!t) co_return t.error();
  // The index follows the record: one claimed meanwhile keeps its id (at its new deadline),
  // anything else drops it. Lost on a crash here, this step is redone by the next sweep.
  const bool open = t.value().tag == "open";
  std::vector<std::string> follow = {"ZREM", RedisKeys::unsent(), id.str()};
  if (open) follow = {"ZADD", RedisKeys::unsent(), std::to_string(t.value().number), id.str()};
  auto followed = co_await conn_.command(follow);
  if (!followed) co_return followed.error();
  if (t.value().tag != "failed") co_return std::optional<VerificationRecord>();
  if (!t.value().record) co_return errc::store_protocol;
  co_return std::move(t.value().record);
}

task<result<bool>> RedisStore::undo_create(const NewVerification& v, std::int64_t now_ms) {
  std::vector<std::string> keys = {RedisKeys::record(v.tag, v.record.id.str()),
                                   idempotency_key_of(v), RedisKeys::recent(v.tag)};
  for (auto& k : phone_rate_keys(v)) keys.push_back(std::move(k));
  std::vector<std::string> args = {std::to_string(now_ms), v.record.id.str(),
                                   std::to_string(v.phone_rates.size())};
  for (const Rate& r : v.phone_rates) args.push_back(std::to_string(r.interval_ms()));
  auto t = co_await run_script(conn_, scripts::undo_create, keys, args);
  if (!t) co_return t.error();
  co_return true;
}

task<result<bool>> RedisStore::idempotency_known(const NewVerification& v) {
  std::vector<std::string> cmd = {"EXISTS", idempotency_key_of(v)};
  auto reply = co_await conn_.command(std::move(cmd));
  if (!reply) co_return reply.error();
  co_return reply.value().type == Reply::kind::integer&& reply.value().integer > 0;
}

task<result<std::optional<VerificationRecord>>> RedisStore::get(const VerificationId& id) {
  std::vector<std::string> cmd = {"HGETALL", RedisKeys::record(id)};
  auto reply = co_await conn_.command(std::move(cmd));
  if (!reply) co_return reply.error();
  if (reply.value().type == Reply::kind::array && reply.value().elements.empty())
    co_return std::optional<VerificationRecord>();
  auto rec = record_from_reply(reply.value());
  if (!rec) co_return rec.error();
  co_return std::optional<VerificationRecord>(std::move(rec.value()));
}

task<result<CheckOutcome>> RedisStore::check(const VerificationId& id, const std::string& brand,
                                             const std::string& mac, const std::string& bound_mac,
                                             std::int64_t now_ms, const RetryEntry& retry) {
  static const std::map<std::string, CheckResult, std::less<>> results = {
      {"approved", CheckResult::approved},
      {"wrong", CheckResult::wrong},
      {"failed", CheckResult::failed},
      {"expired", CheckResult::expired},
      {"not_pending", CheckResult::not_pending}};
  const std::string tag(id.tag());
  std::vector<std::string> keys = {RedisKeys::record(id), RedisKeys::failures(tag),
                                   RedisKeys::lock(tag), RedisKeys::lock_level(tag)};
  std::vector<std::string> args = {brand, std::to_string(now_ms), mac, bound_mac};
  add_retry(id, retry, keys, args);
  auto t = co_await run_action(conn_, scripts::check, keys, args);
  if (!t) co_return t.error();
  if (t.value().tag == "blocked")
    co_return CheckOutcome{.blocked = true, .retry_after_ms = t.value().number};
  auto o = outcome(t.value(), results);
  if (!o) co_return o.error();
  co_return CheckOutcome{.result = o.value().first,
                         .record = std::move(o.value().second),
                         .lock_ms = t.value().number,
                         .replayed = t.value().replayed};
}

task<result<ResendOutcome>> RedisStore::resend(const VerificationId& id, const std::string& brand,
                                               const std::vector<Rate>& phone_rates,
                                               std::int64_t now_ms, const RetryEntry& retry,
                                               const SendHold& hold) {
  static const std::map<std::string, ResendResult, std::less<>> results = {
      {"sent", ResendResult::sent},         {"too_soon", ResendResult::too_soon},
      {"too_late", ResendResult::too_late}, {"limit_reached", ResendResult::limit_reached},
      {"expired", ResendResult::expired},   {"not_pending", ResendResult::not_pending},
      {"limited", ResendResult::sent},      {"send_failed", ResendResult::sent},
      {"claimed", ResendResult::sent}};
  const std::string tag(id.tag());
  std::vector<std::string> keys = {RedisKeys::record(id), RedisKeys::lock(tag)};
  std::vector<std::string> args = {brand, std::to_string(now_ms),
                                   std::to_string(phone_rates.size())};
  for (auto& k : phone_rate_keys(brand, tag, phone_rates)) keys.push_back(std::move(k));
  for (const Rate& r : phone_rates) {
    args.push_back(std::to_string(r.interval_ms()));
    args.push_back(std::to_string(r.count));
  }
  add_retry(id, retry, keys, args);
  if (!retry.empty()) {
    args.push_back(std::to_string(hold.claim_ms));
    args.push_back(hold.holder);
  }
  auto t = co_await run_action(conn_, scripts::resend, keys, args);
  if (!t) co_return t.error();
  if (t.value().tag == "blocked")
    co_return ResendOutcome{.retry_after_ms = t.value().number, .blocked = true};
  if (t.value().tag == "in_flight")
    co_return ResendOutcome{.retry_after_ms = t.value().number, .in_flight = true};
  const bool limited = t.value().tag == "limited";
  const bool sent = t.value().tag == "sent";
  const bool send_failed = t.value().tag == "send_failed";
  auto o = outcome(t.value(), results);
  if (!o) co_return o.error();
  co_return ResendOutcome{.result = o.value().first,
                          .record = std::move(o.value().second),
                          .retry_after_ms = sent ? 0 : t.value().number,
                          .limited = limited,
                          .previous_send_ms = sent ? t.value().number : 0,
                          .replayed = t.value().replayed,
                          .send_failed = send_failed,
                          .taken_over = t.value().tag == "claimed"};
}

task<result<bool>> RedisStore::undo_resend(const VerificationId& id, const ResendOutcome& claimed,
                                           const std::vector<Rate>& phone_rates) {
  // The claim's time is the record's last send: the script undoes only a record still at it,
  // and gives the tokens back as of then.
  const std::string tag(id.tag());
  std::vector<std::string> keys = {RedisKeys::record(id)};
  for (auto& k : phone_rate_keys(claimed.record.brand, tag, phone_rates))
    keys.push_back(std::move(k));
  std::vector<std::string> args = {std::to_string(claimed.record.last_send_ms),
                                   std::to_string(claimed.previous_send_ms),
                                   std::to_string(phone_rates.size())};
  for (const Rate& r : phone_rates) args.push_back(std::to_string(r.interval_ms()));
  auto t = co_await run_script(conn_, scripts::undo_resend, keys, args);
  if (!t) co_return t.error();
  co_return true;
}

task<result<bool>> RedisStore::settle_resend(const VerificationId& id, const RetryEntry& retry,
                                             const std::string& holder) {
  if (retry.empty()) co_return false;
  const std::vector<std::string> keys = {RedisKeys::idempotency(id.tag(), retry.key)};
  const std::vector<std::string> args = {retry.fingerprint, holder};
  auto removed = co_await flag_script(conn_, scripts::settle_resend, keys, args);
  co_return removed;
}

task<result<bool>> RedisStore::release_create_claim(const NewVerification& v, std::int64_t now_ms) {
  if (v.idempotency_key.empty()) co_return false;
  const std::vector<std::string> keys = {idempotency_key_of(v),
                                         RedisKeys::record(v.tag, v.record.id.str())};
  const std::vector<std::string> args = {"create", v.request_fingerprint, v.record.id.str(),
                                         std::to_string(now_ms)};
  auto released = co_await flag_script(conn_, scripts::release_send, keys, args);
  co_return released;
}

task<result<bool>> RedisStore::release_resend_claim(const VerificationId& id,
                                                    const RetryEntry& retry,
                                                    const std::string& holder,
                                                    std::int64_t now_ms) {
  if (retry.empty()) co_return false;
  const std::vector<std::string> keys = {RedisKeys::idempotency(id.tag(), retry.key),
                                         RedisKeys::record(id)};
  const std::vector<std::string> args = {"resend", retry.fingerprint, holder,
                                         std::to_string(now_ms)};
  auto released = co_await flag_script(conn_, scripts::release_send, keys, args);
  co_return released;
}

task<result<CancelOutcome>> RedisStore::cancel(const VerificationId& id, const std::string& brand,
                                               std::int64_t now_ms, const RetryEntry& retry) {
  static const std::map<std::string, CancelResult, std::less<>> results = {
      {"cancelled", CancelResult::cancelled},
      {"expired", CancelResult::expired},
      {"not_pending", CancelResult::not_pending}};
  std::vector<std::string> keys = {RedisKeys::record(id)};
  std::vector<std::string> args = {brand, std::to_string(now_ms)};
  add_retry(id, retry, keys, args);
  auto t = co_await run_action(conn_, scripts::cancel, keys, args);
  if (!t) co_return t.error();
  auto o = outcome(t.value(), results);
  if (!o) co_return o.error();
  co_return CancelOutcome{o.value().first, std::move(o.value().second), t.value().replayed};
}

namespace {

// delivery.lua's keys and arguments, without the fields to answer.
void delivery_call(const VerificationId& id, const std::string& brand, const DeliveryUpdate& u,
                   std::int64_t now_ms, std::vector<std::string>& keys,
                   std::vector<std::string>& args) {
  keys.push_back(RedisKeys::record(id));
  if (!u.idempotency_key.empty())
    keys.push_back(RedisKeys::idempotency(id.tag(), u.idempotency_key));
  args = {brand,
          std::to_string(now_ms),
          u.gateway,
          u.accepted ? "1" : "0",
          u.first_send ? "1" : "0",
          u.message_id,
          u.resend_claim};
}

}  // namespace

task<result<VerificationRecord>> RedisStore::record_delivery(const VerificationId& id,
                                                             const std::string& brand,
                                                             const DeliveryUpdate& u,
                                                             std::int64_t now_ms) {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  delivery_call(id, brand, u, now_ms, keys, args);
  auto t = co_await run_script(conn_, scripts::delivery, keys, args);
  if (!t) co_return t.error();
  if (!t.value().record) co_return errc::store_protocol;
  co_return std::move(*t.value().record);
}

task<result<VerificationRecord>> RedisStore::record_delivery(const VerificationRecord& known,
                                                             const DeliveryUpdate& u,
                                                             std::int64_t now_ms) {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  delivery_call(known.id, known.brand, u, now_ms, keys, args);
  const auto& fields = record_changing_fields();
  args.insert(args.end(), fields.begin(), fields.end());
  auto reply = co_await conn_.eval(scripts::cached(scripts::delivery), keys, args);
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.is_error()) {
    scripts::log_script_error(r.str);
    co_return errc::store_protocol;
  }
  if (r.type != Reply::kind::array || r.elements.empty()) co_return errc::store_protocol;
  if (r.elements[0].str == "not_found") co_return errc::not_found;
  if (r.elements[0].str != "ok" || r.elements.size() < 3) co_return errc::store_protocol;
  co_return record_overlaid(known, r.elements[2]);
}

task<result<ReportOutcome>> RedisStore::apply_report(const VerificationId& id,
                                                     const ReportUpdate& u, std::int64_t now_ms) {
  const std::vector<std::string> keys = {RedisKeys::record(id), RedisKeys::lock(id.tag())};
  const std::vector<std::string> args = {u.gateway, u.message_id, std::string(to_string(u.status)),
                                         std::to_string(now_ms)};
  auto t = co_await run_script(conn_, scripts::report, keys, args);
  if (!t) co_return t.error();
  if (!t.value().record) co_return errc::store_protocol;
  ReportOutcome out{.what = t.value().tag == "applied" ? ReportOutcome::kind::applied
                                                       : ReportOutcome::kind::stale,
                    .resend_claimed = t.value().number == 1,
                    .record = std::move(*t.value().record)};
  co_return out;
}

task<result<bool>> RedisStore::mark_expired(const VerificationId& id, std::int64_t now_ms) {
  const std::vector<std::string> keys = {RedisKeys::record(id)};
  const std::vector<std::string> args = {std::to_string(now_ms)};
  auto reply = co_await conn_.eval(scripts::cached(scripts::expire), keys, args);
  if (!reply) co_return reply.error();
  if (reply.value().type != Reply::kind::integer) co_return errc::store_protocol;
  co_return reply.value().integer == 1;
}

}  // namespace otpgate
