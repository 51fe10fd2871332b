// Command path of detail::link: submit, reply matching, per-command deadlines, stop.
//
// hiredis 0.14 has no command timeout. Replies arrive in request order, so pending_ mirrors
// hiredis' callback queue and one timer tracks the oldest deadline. A command past its
// deadline means Redis (or the path to it) is stuck: its caller gets store_timeout and the
// connection is retired (link_drain.cpp), because everything queued behind it is stuck as well.
// Its commands were written, so they may still run: the retired connection reads their late
// replies for a while rather than pretending they never left.
#include "link.hpp"

#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/util/log.hpp"
#include "reply_copy.hpp"

#include <hiredis/async.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <new>
#include <string_view>
#include <utility>

namespace otpgate::redis::detail {
namespace {

// The process-wide metrics (docs/metrics.md): every connection of every io thread counts there.
void count_unavailable(std::size_t n = 1) {
  for (std::size_t i = 0; i < n; ++i)
    metrics::process().count_redis_error(metrics::RedisError::unavailable);
}

// An error reply that is a failure: NOSCRIPT is not (Connection::eval answers it with EVAL, which
// happens after every Redis restart or failover and would drown real errors in the metric).
bool is_failure(const redisReply& r) {
  static constexpr std::string_view noscript = "NOSCRIPT";
  return r.type == REDIS_REPLY_ERROR &&
         std::string_view(r.str, r.len).substr(0, noscript.size()) != noscript;
}

}  // namespace

link::link(boost::asio::io_context& ioc, Config config)
    : ioc_(ioc),
      config_(std::move(config)),
      backoff_(config_.reconnect_min),
      resolver_(ioc),
      connect_timer_(ioc),
      reconnect_timer_(ioc),
      command_timer_(ioc),
      heartbeat_timer_(ioc) {}

link::~link() {
  stop();
}

void link::start() {
  if (state_ != state::idle && state_ != state::stopped) return;
  backoff_ = config_.reconnect_min;
  do_connect();
}

void link::stop() {
  if (state_ == state::stopped) return;
  set_state(state::stopped);
  ++attempt_;
  // Cancel everything so the io_context can run out of work.
  resolver_.cancel();
  connect_timer_.cancel();
  reconnect_timer_.cancel();
  command_timer_.cancel();
  heartbeat_timer_.cancel();
  command_timer_armed_ = false;
  fail_all();
  free_context();
  close_all_retired();
}

// While ready and idle, a PING per period: the command timer then drops a connection whose
// Redis stopped answering, as it does for any command. Busy links need none: their commands
// are watched already.
void link::arm_heartbeat() {
  heartbeat_timer_.expires_after(config_.heartbeat);
  heartbeat_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
    auto self = w.lock();
    if (ec || !self || self->state_ == state::stopped) return;
    if (self->state_ == state::ready && self->pending_.empty())
      self->submit("*1\r\n$4\r\nPING\r\n", "PING", [](result<Reply>) {});
    self->arm_heartbeat();
  });
}

void link::submit(std::string_view wire, std::string_view command, completion done) {
  if (wire.empty()) return done(errc::invalid_argument);
  if (state_ != state::ready || ctx_ == nullptr) {
    count_unavailable();
    return done(errc::store_unavailable);
  }
  const std::uint64_t id = ++next_id_;
  // The id travels as privdata: no pointer that could dangle once the context is gone.
  void* privdata = reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
  // Encoded by the caller (redis::Call); hiredis copies it into its output buffer.
  if (redisAsyncFormattedCommand(ctx_, &link::reply_cb, privdata, wire.data(), wire.size()) !=
      REDIS_OK) {
    count_unavailable();
    return done(errc::store_unavailable);
  }
  const auto now = clock::now();
  pending_.push_back(
      {id, now, now + config_.command_timeout, std::string(command), std::move(done)});
  arm_command_timer(pending_.back().deadline);
}

void link::on_reply(redisAsyncContext* ac, std::uint64_t id, redisReply* r) {
  if (ac != ctx_ || ctx_ == nullptr) return on_retired_reply(ac, id, r);
  // A command already answered (stop): nobody waits for it.
  if (pending_.empty() || pending_.front().id != id) return;
  pending p = std::move(pending_.front());
  pending_.pop_front();
  deliver(p, r);
}

// NULL: hiredis is tearing the connection down after the command was written, so it may have
// run: store_timeout ("outcome unknown"), as for a deadline; on_disconnected follows.
void link::deliver(pending& p, redisReply* r) {
  if (r == nullptr) {
    count_unavailable();
    return p.done(errc::store_timeout);
  }
  const std::chrono::duration<double> took = clock::now() - p.sent;
  metrics::process().observe_redis_command(p.command, took.count());
  if (is_failure(*r)) metrics::process().count_redis_error(metrics::RedisError::reply);
  result<Reply> out = errc::internal;
  try {
    out = copy_reply(*r);
  } catch (const std::bad_alloc&) {
  }
  p.done(std::move(out));
}

// Lazily re-armed: popping a command does not touch the timer; when it fires it re-arms for
// the new oldest deadline. Saves a cancel per reply under load. Only an earlier deadline (a
// command on a fresh connection while a retired one waits for its drain end) moves it.
void link::arm_command_timer(clock::time_point at) {
  if (command_timer_armed_ && command_timer_at_ <= at) return;
  command_timer_armed_ = true;
  command_timer_at_ = at;
  command_timer_.expires_at(at);  // aborts an armed wait: its handler returns untouched
  command_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
    auto self = w.lock();
    // Aborted by stop(), which cleared the flag, or by a re-arm, which set it again.
    if (ec || !self) return;
    self->command_timer_armed_ = false;
    self->on_command_timer();
  });
}

void link::rearm_command_timer() {
  const auto next = next_deadline();
  if (next != clock::time_point::max()) arm_command_timer(next);
}

void link::on_command_timer() {
  const auto now = clock::now();
  if (!pending_.empty() && pending_.front().deadline <= now) retire_active(now);
  expire_retired(now);
  rearm_command_timer();
}

// Commands handed to the context being dropped were written (or queued to be): they may run.
void link::fail_all() {
  // Completions only post, but swap first so no completion can observe a half-cleared queue.
  auto victims = std::exchange(pending_, {});
  count_unavailable(victims.size());
  for (auto& p : victims) p.done(errc::store_timeout);
}

void link::reply_cb(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<link*>(ac->data);
  const auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(privdata));
  try {
    self->on_reply(ac, id, static_cast<redisReply*>(reply));
  } catch (...) {  // never unwind through hiredis' C frames
  }
}

}  // namespace otpgate::redis::detail
