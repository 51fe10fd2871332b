// Retired connections of detail::link (docs/architecture.md, "Redis faults").
//
// A command that timed out was written to Redis: Redis may still run it (a stopped or busy Redis
// reads its socket when it wakes). So its caller gets store_timeout, "outcome unknown", never
// store_unavailable, and the connection is not freed at once: it leaves ctx_ (new commands go
// to a fresh connection once that one answered its PING) and reads the replies still due for
// Config::drain_window. A late reply is counted and discarded, a command still inside its own
// deadline is answered normally, and the connection closes when every reply is in or the window
// ends.
//
// hiredis rules relied on (see link_connect.cpp): redisAsyncFree() runs the remaining reply
// callbacks with NULL and then the disconnect callback, synchronously, or after the current
// reply callback returns when called from one. An entry leaves retired_ before its context is
// freed, so those callbacks find nothing.
#include "link.hpp"

#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/util/log_limit.hpp"

#include <hiredis/async.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace otpgate::redis::detail {
namespace {

// A Redis that keeps stalling times out on every fresh connection: rate-limited per kind,
// shared by every io thread's link (docs/architecture.md, "Logging").
log::limited timed_out_lines;
log::limited missing_replies_lines;

}  // namespace

void link::retire_active(clock::time_point now) {
  retired_.push_back(
      {std::exchange(ctx_, nullptr), std::exchange(pending_, {}), now + config_.drain_window});
  timed_out_lines.write(log::level::warn,
                        "redis command timed out, draining the connection and reconnecting",
                        [&] { return where(config_); });
  schedule_reconnect();
}

// Answers the commands past their deadline with store_timeout, and closes the connections that
// have every reply in or whose window ended.
void link::expire_retired(clock::time_point now) {
  for (std::size_t i = retired_.size(); i-- > 0;) {
    auto& r = retired_[i];
    for (auto& p : r.queue) {
      if (p.deadline > now) break;  // deadlines grow along the queue
      if (!p.done) continue;
      metrics::process().count_redis_timeout();
      std::exchange(p.done, nullptr)(errc::store_timeout);
    }
    if (r.queue.empty() || r.drain_until <= now) close_retired(i);
  }
}

void link::on_retired_reply(redisAsyncContext* ac, std::uint64_t id, redisReply* r) {
  const std::size_t i = find_retired(ac);
  if (i == retired_.size()) return;
  auto& queue = retired_[i].queue;
  if (queue.empty() || queue.front().id != id) return;
  pending p = std::move(queue.front());
  queue.pop_front();
  if (p.done) {
    deliver(p, r);  // still inside its own deadline: an answer in time
  } else if (r != nullptr) {
    metrics::process().count_redis_late_reply();
  }
  // NULL replies come from hiredis freeing the context itself; on_retired_disconnected follows.
  if (queue.empty() && r != nullptr) close_retired(i);
}

// The peer closed a retired connection (or it failed): hiredis frees it after this callback.
bool link::on_retired_disconnected(const redisAsyncContext* ac) {
  const std::size_t i = find_retired(ac);
  if (i == retired_.size()) return false;
  retired_[i].ctx = nullptr;  // not ours to free any more
  close_retired(i);
  return true;
}

void link::close_retired(std::size_t i) {
  retired r = std::move(retired_[i]);
  retired_.erase(retired_.begin() + static_cast<std::ptrdiff_t>(i));
  std::size_t missing = 0;
  for (auto& p : r.queue) {
    ++missing;
    if (!p.done) continue;
    metrics::process().count_redis_timeout();
    p.done(errc::store_timeout);
  }
  if (missing > 0)
    missing_replies_lines.write(log::level::warn,
                                "redis drained connection closed with replies missing", [&] {
                                  nlohmann::json fields = where(config_);
                                  fields["missing"] = missing;
                                  return fields;
                                });
  if (r.ctx != nullptr) redisAsyncFree(r.ctx);
}

void link::close_all_retired() {
  while (!retired_.empty()) close_retired(retired_.size() - 1);
}

std::size_t link::find_retired(const redisAsyncContext* ac) const {
  for (std::size_t i = 0; i < retired_.size(); ++i)
    if (retired_[i].ctx == ac && ac != nullptr) return i;
  return retired_.size();
}

// The earliest of: the active connection's oldest deadline, each retired connection's first
// waiting deadline and its drain end.
link::clock::time_point link::next_deadline() const {
  auto next = clock::time_point::max();
  if (!pending_.empty()) next = pending_.front().deadline;
  for (const auto& r : retired_) {
    next = std::min(next, r.drain_until);
    const auto waiting =
        std::find_if(r.queue.begin(), r.queue.end(), [](const pending& p) { return bool(p.done); });
    if (waiting != r.queue.end()) next = std::min(next, waiting->deadline);
  }
  return next;
}

}  // namespace otpgate::redis::detail
