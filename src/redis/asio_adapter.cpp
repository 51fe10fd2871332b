#include "asio_adapter.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <hiredis/async.h>

#include <memory>
#include <utility>

namespace otpgate::redis::detail {
namespace {

using boost::asio::posix::stream_descriptor;

// Watches hiredis' socket for readiness and calls redisAsyncHandleRead/Write.
//
// Writes on a connected socket do not wait for readiness: the commands a turn of the io_context
// submits are written together by one posted flush, once the handlers queued before it have run
// (a socket whose buffer has room is writable, and waiting to be told so cost an epoll_ctl and
// an epoll_wait per batch). Only what the socket did not take waits for writability.
//
// Lifetime: hiredis holds one strong reference through ev.data (`self_`), every in-flight
// async_wait and a posted flush hold another. cleanup() drops hiredis' reference, so when hiredis frees the
// context from inside redisAsyncHandleRead (peer closed, connect failed) the watcher survives
// until the handler that is still on the stack returns.
class watcher : public std::enable_shared_from_this<watcher> {
 public:
  watcher(boost::asio::io_context& ioc, redisAsyncContext* ac) : ac_(ac), socket_(ioc) {}

  ~watcher() {
    // Never close: the fd belongs to hiredis. release() is idempotent.
    socket_.release();
  }

  // Registers the fd with the reactor and takes over hiredis' hooks.
  boost::system::error_code install() {
    boost::system::error_code ec;
    socket_.assign(ac_->c.fd, ec);
    if (ec) return ec;
    self_ = shared_from_this();
    ac_->ev.data = this;
    ac_->ev.addRead = [](void* p) { static_cast<watcher*>(p)->set_read(true); };
    ac_->ev.delRead = [](void* p) { static_cast<watcher*>(p)->set_read(false); };
    ac_->ev.addWrite = [](void* p) { static_cast<watcher*>(p)->set_write(true); };
    ac_->ev.delWrite = [](void* p) { static_cast<watcher*>(p)->set_write(false); };
    ac_->ev.cleanup = [](void* p) { static_cast<watcher*>(p)->detach(); };
    return {};
  }

 private:
  void set_read(bool on) {
    want_read_ = on;
    arm();
  }

  void set_write(bool on) {
    want_write_ = on;
    if (on && !in_write_ && !writing_ && (ac_->c.flags & REDIS_CONNECTED) != 0)
      return schedule_flush();
    arm();
  }

  // hiredis asks for a write per command: one flush writes them all.
  void schedule_flush() {
    if (flush_posted_) return;
    flush_posted_ = true;
    boost::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
  }

  void flush() {
    flush_posted_ = false;
    if (!ac_ || !want_write_) return;
    write_now();
    // hiredis may have freed the context inside the call above (detach() ran): arm() checks.
    arm();
  }

  // What the socket does not take, hiredis asks to write again (set_write while in_write_):
  // that waits for writability rather than trying again at once.
  void write_now() {
    in_write_ = true;
    redisAsyncHandleWrite(ac_);
    in_write_ = false;
  }

  // Called by hiredis right before it frees the context and closes the fd.
  void detach() {
    auto keep = std::move(self_);  // may be the last reference: destroy after we return
    ac_->ev.data = nullptr;
    ac_ = nullptr;
    want_read_ = want_write_ = false;
    // Deregisters from the reactor without closing; pending waits complete with
    // operation_aborted and find ac_ == nullptr.
    socket_.release();
  }

  // A disabled interest leaves its wait in flight; on_ready then ignores it. Cancelling
  // would abort the other direction's wait as well (cancel() is per descriptor).
  void arm() {
    if (!ac_) return;
    if (want_read_ && !reading_) wait(stream_descriptor::wait_read, reading_);
    if (want_write_ && !writing_ && !flush_posted_) wait(stream_descriptor::wait_write, writing_);
  }

  void wait(stream_descriptor::wait_type type, bool& in_flight) {
    in_flight = true;
    socket_.async_wait(type, [self = shared_from_this(), type](boost::system::error_code ec) {
      self->on_ready(type, ec);
    });
  }

  void on_ready(stream_descriptor::wait_type type, boost::system::error_code ec) {
    const bool read = type == stream_descriptor::wait_read;
    (read ? reading_ : writing_) = false;
    if (!ac_ || ec == boost::asio::error::operation_aborted) return;
    // Other errors: let hiredis find out from read(2)/write(2) and disconnect.
    if (read && want_read_) redisAsyncHandleRead(ac_);
    if (!read && want_write_) write_now();
    // hiredis may have freed the context inside the call above (detach() ran): arm() checks.
    arm();
  }

  redisAsyncContext* ac_;
  stream_descriptor socket_;
  std::shared_ptr<watcher> self_;
  bool want_read_ = false;
  bool want_write_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool in_write_ = false;
};

}  // namespace

boost::system::error_code attach_asio(redisAsyncContext* ac, boost::asio::io_context& ioc) {
  return std::make_shared<watcher>(ioc, ac)->install();
}

}  // namespace otpgate::redis::detail
