// The sweep that ends creates whose first SMS nobody handed to a gateway by its deadline
// (VerificationService::end_overdue_sends): a create Redis ran after its request had answered
// 503, or whose process died before sending, turns send_failed instead of staying pending and
// unsent. One per process (io thread 0); several processes may sweep at once, since ending a
// send is one script that does nothing to a record already sent or ended.
#pragma once

#include "otpgate/app/verification_service.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace otpgate {

class SendDeadlineSweep {
 public:
  // Every `period`, ends up to `batch` overdue sends, and at once more while a batch was full.
  SendDeadlineSweep(boost::asio::io_context& ioc, VerificationService& service,
                    std::chrono::milliseconds period, std::size_t batch = 100);
  void start();
  void stop();

 private:
  task<void> run();

  boost::asio::steady_timer timer_;
  VerificationService& service_;
  std::chrono::milliseconds period_;
  std::size_t batch_;
  bool stopped_ = false;
};

}  // namespace otpgate
