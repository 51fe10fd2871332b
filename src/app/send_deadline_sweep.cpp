#include "otpgate/app/send_deadline_sweep.hpp"

#include "otpgate/util/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

namespace otpgate {

// VerificationService's part of the sweep, defined here with the sweep (as verification_events.cpp
// holds its events): the store's overdue ids, each ended by one script call.
task<std::size_t> VerificationService::end_overdue_sends(std::size_t limit) {
  const std::int64_t now = d_.clock.now_ms();
  auto due = co_await d_.store.overdue_first_sends(now, limit);
  if (!due) co_return 0;
  std::size_t seen = 0;
  for (const VerificationId& id : due.value()) {
    ++seen;
    auto ended = co_await d_.store.end_overdue_send(id, now);
    if (ended && ended.value()) emit_unsent_failed(*ended.value());
  }
  co_return seen;
}

SendDeadlineSweep::SendDeadlineSweep(boost::asio::io_context& ioc, VerificationService& service,
                                     std::chrono::milliseconds period, std::size_t batch)
    : timer_(ioc), service_(service), period_(period), batch_(batch) {}

void SendDeadlineSweep::start() {
  boost::asio::co_spawn(timer_.get_executor(), run(), boost::asio::detached);
}

void SendDeadlineSweep::stop() {
  stopped_ = true;
  timer_.cancel();
}

task<void> SendDeadlineSweep::run() {
  while (!stopped_) {
    std::size_t seen = 0;
    try {
      seen = co_await service_.end_overdue_sends(batch_);
    } catch (const std::exception& e) {
      // Never silently: a dead sweep would leave unsent creates pending until they expire.
      log::write(log::level::error, "send deadline sweep failed", {{"error", e.what()}});
    }
    if (stopped_) break;
    // A full batch may have left more behind: the next one at once, without waiting.
    if (seen == batch_) continue;
    timer_.expires_after(period_);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace otpgate
