// The verification service's send claims (docs/architecture.md, "A create's faults"): a request
// that claimed a send (a create's first send, a resend under an Idempotency-Key) and then
// answers 503 before any gateway had the SMS gives its claim back, so the retry the shop sends
// takes the send over at once instead of hearing IDEMPOTENCY_KEY_IN_USE until the claim runs
// out; one that answers 503 after a gateway took the SMS records the send once Redis answers,
// which settles its claim. The store decides (release_send.lua, delivery.lua); this only keeps
// asking while Redis is away.
#include "otpgate/app/verification_service.hpp"

#include "otpgate/core/code.hpp"
#include "otpgate/util/log.hpp"
#include "otpgate/util/log_limit.hpp"

#include <nlohmann/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace otpgate {
namespace {

// Backoff from 100 ms to 500 ms: a release's 16 attempts take about 7 s. A recording keeps
// trying every 250 ms until its claim runs out, so with the Redis link's reconnect backoff
// (at most 500 ms) it lands within about 0.8 s of Redis coming back.
constexpr int store_attempts = 16;
constexpr std::chrono::milliseconds first_wait{100};
constexpr std::chrono::milliseconds longest_release_wait{500};
constexpr std::chrono::milliseconds longest_record_wait{250};

// Waits before the next attempt (doubling the wait up to `longest`); false when the timer was
// cancelled.
task<bool> pause_before_retry(boost::asio::steady_timer& timer, std::chrono::milliseconds& wait,
                              std::chrono::milliseconds longest) {
  timer.expires_after(wait);
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  wait = std::min(wait * 2, longest);
  co_return !ec;
}

}  // namespace

VerificationService::~VerificationService() {
  // The io context stopped (a stop's grace ran out) with these still waiting for Redis: their
  // claims run out, and a retry then sends the code again.
  if (unrecorded_ > 0)
    log::write(log::level::error, "sent SMS not recorded: shutting down",
               {{"sends", unrecorded_}});
}

std::int64_t VerificationService::claim_lead_ms() const {
  // A create's two calls before its send (its own slot's script, the brand's admission), each
  // up to the command deadline, and 3 s for the rest (5 s with the default 1 s deadline).
  return 2 * d_.redis_timeout_ms + 3'000;
}

std::int64_t VerificationService::claim_ms(const Brand& brand) const {
  return claim_lead_ms() + brand.delivery.deadline.count() + claim_record_ms;
}

bool VerificationService::claim_covers_send(const Brand& brand, const HeldClaim& claim) const {
  if (claim.until_ms == 0) return true;
  return d_.clock.now_ms() + brand.delivery.deadline.count() + claim_record_ms <= claim.until_ms;
}

SendHold VerificationService::resend_hold(const Brand& brand, const RetryEntry& entry) {
  if (entry.empty()) return {};
  std::array<std::uint8_t, 12> id{};
  d_.random.fill(id);
  return SendHold{.holder = to_hex(id), .claim_ms = claim_ms(brand)};
}

task<result<bool>> VerificationService::release(const HeldClaim& claim) {
  const std::int64_t now = d_.clock.now_ms();
  if (claim.create) {
    auto released = co_await d_.store.release_create_claim(*claim.create, now);
    co_return released;
  }
  auto released = co_await d_.store.release_resend_claim(claim.id, claim.entry, claim.holder, now);
  co_return released;
}

task<void> VerificationService::release_later(HeldClaim claim) {
  if (claim.empty()) co_return;
  auto ex = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(ex, tracked(keep_releasing(std::move(claim))), boost::asio::detached);
}

task<void> VerificationService::keep_releasing(HeldClaim claim) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  std::chrono::milliseconds wait = first_wait;
  for (int attempt = 0; attempt < store_attempts; ++attempt) {
    auto released = co_await release(claim);
    if (released) co_return;  // released, or nothing left to release
    if (!co_await pause_before_retry(timer, wait, longest_release_wait)) co_return;
  }
  // The claim then runs out by itself: the retry waits for it (IDEMPOTENCY_KEY_IN_USE).
  static log::limited lines;
  lines.write(log::level::warn, "send claim not released");
}

task<void> VerificationService::settle_failed_first_send_later(const VerificationRecord& r,
                                                               const HeldClaim& claim,
                                                               std::int64_t until_ms) {
  auto ex = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(ex, tracked(keep_settling_failed(r, claim, until_ms)),
                        boost::asio::detached);
}

task<void> VerificationService::keep_settling_failed(VerificationRecord r, HeldClaim claim,
                                                     std::int64_t until_ms) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  std::chrono::milliseconds wait = first_wait;
  // Until the claim's end (keyless: the end the create's own claim would have had, before the
  // sweep may end it): until then nothing but this request's own record ends the create
  // send_failed with a failed delivery, so the events emitted here are that send's.
  while (d_.clock.now_ms() < until_ms) {
    auto found = co_await d_.store.get(r.id);
    if (found) {
      const std::optional<VerificationRecord>& now = found.value();
      if (now && now->status == Status::send_failed &&
          now->delivery_status == DeliveryStatus::failed) {
        emit_recorded_send(r, EventType::send_failed, *now, SendReport{}, true);
        co_await forget_first_send_later(r.id);
      } else if (now && !claim.empty()) {
        co_await keep_releasing(std::move(claim));
      }
      co_return;
    }
    if (!co_await pause_before_retry(timer, wait, longest_record_wait)) co_return;
  }
  static log::limited lines;
  lines.write(log::level::warn, "failed first send not settled");
}

task<void> VerificationService::record_later(const UnrecordedSend& send) {
  auto ex = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(ex, tracked(recording(std::make_shared<const UnrecordedSend>(send))),
                        boost::asio::detached);
}

task<void> VerificationService::recording(std::shared_ptr<const UnrecordedSend> send) {
  // Counted by hand, as in tracked(): a frame the stopped io context destroys never resumes.
  ++unrecorded_;
  co_await keep_recording(std::move(send));
  --unrecorded_;
}

task<void> VerificationService::keep_recording(std::shared_ptr<const UnrecordedSend> send) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  std::chrono::milliseconds wait = first_wait;
  // Until the claim runs out (the retries cannot take the send over before): the sooner after
  // Redis is back, the fewer retries hear IDEMPOTENCY_KEY_IN_USE. Without a claim (no key, no
  // retry takes the send over) until_ms is claim_record_ms after the send (deliver).
  for (;;) {
    const bool timer_ran = co_await pause_before_retry(timer, wait, longest_record_wait);
    // Run out meanwhile: a retry may have sent it again since, and its record must stand.
    if (!timer_ran || d_.clock.now_ms() >= send->until_ms) break;
    const VerificationRecord& r = send->record;
    auto after = co_await d_.store.record_delivery(r.id, r.brand, send->update, d_.clock.now_ms());
    if (after) {
      emit_recorded_send(r, send->event, after.value(), send->report, send->update.first_send);
      if (send->update.first_send) co_await forget_first_send_later(r.id);
      co_return;
    }
    if (to_errc(after.error()) == errc::not_found) co_return;  // expired meanwhile
  }
  // Left as it is: the retry may send it again once its claim runs out, or the send deadline
  // ends it send_failed although the SMS went out.
  static log::limited lines;
  lines.write(log::level::warn, "sent SMS not recorded", [&] {
    return nlohmann::json{{"brand", send->record.brand}, {"gateway", send->update.gateway}};
  });
}

task<void> VerificationService::tracked(task<void> work) {
  ++background_;
  co_await std::move(work);
  --background_;
}

task<void> VerificationService::forget_first_send_later(const VerificationId& id) {
  to_forget_.push_back(id);
  if (to_forget_.size() > 1) co_return;  // the call for this turn's ids is already on its way
  auto ex = co_await boost::asio::this_coro::executor;
  // co_spawn starts it from the executor's queue: the ids the handlers before it add join it.
  boost::asio::co_spawn(ex, forget_first_sends(), boost::asio::detached);
}

task<void> VerificationService::forget_first_sends() {
  std::vector<VerificationId> ids;
  ids.swap(to_forget_);
  // Not waited for by the requests; lost, it costs the sweep one visit per id at its deadline.
  auto dropped = co_await d_.store.forget_first_sends(ids);
  (void)dropped;
}

task<void> VerificationService::settle(const HeldClaim& claim, const std::string& brand) {
  if (claim.holder.empty()) co_return;
  auto settled = co_await d_.store.settle_resend(claim.id, claim.entry, claim.holder);
  if (!settled)
    log::write(log::level::warn, "resend's retry entry not settled", {{"brand", brand}});
}

}  // namespace otpgate
